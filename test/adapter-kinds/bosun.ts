// `bosun` from source with the test-only adapter kinds registered: the real CLI, run as
// `bun test/adapter-kinds/bosun.ts ARGS...`. A daemon it starts re-runs this file, so it
// knows the kinds too.
import { registerAdapterKind } from "../../src/core/adapters/registry.ts";
import { throwaway } from "./throwaway/kind.ts";

registerAdapterKind(throwaway);
await import("../../src/cli/main.ts");
