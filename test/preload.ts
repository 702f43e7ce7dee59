import { setDefaultTimeout } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Every XDG path and the bosun home point at a temp directory before any source is imported,
// so no test can touch the developer's real config or state.
const root = mkdtempSync(join(tmpdir(), "bosun-test-"));
process.env.BOSUN_HOME = join(root, "home");
process.env.XDG_CONFIG_HOME = join(root, "config");
process.env.XDG_DATA_HOME = join(root, "data");
process.env.XDG_STATE_HOME = join(root, "state");
delete process.env.BOSUN_CONFIG;
delete process.env.OPENAI_API_KEY;
delete process.env.OPENAI_BASE_URL;
// No real Ollama may answer a test: point auto-detection at a closed loopback port.
process.env.OLLAMA_HOST = "127.0.0.1:9";
process.env.NO_COLOR = "1";

setDefaultTimeout(30_000);
