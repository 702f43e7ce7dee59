import { z } from "zod";
import { supervision } from "../../../src/core/config/fields.ts";
import { defineAdapterKind } from "../../../src/core/adapters/kind.ts";

/** [adapters.NAME] with kind = "throwaway": a channel that exists only in tests. */
export const throwawayConfigSchema = z
  .strictObject({
    kind: z.literal("throwaway"),
    greeting: z.string().min(1).describe("What the throwaway channel says when it connects."),
    ...supervision(60_000),
  })
  .describe("A channel that exists only in bosun's tests.");

export type ThrowawayConfig = z.output<typeof throwawayConfigSchema>;

/** A kind defined outside src/: this folder and one registerAdapterKind call are all it takes. */
export const throwaway = defineAdapterKind({
  kind: "throwaway",
  configSchema: throwawayConfigSchema,
  template: `# A throwaway channel (tests only).
# [adapters.tmp]
# kind = "throwaway"
# greeting = "hello"
`,
  load: async () => (await import("./index.ts")).createThrowawayAdapter,
});
