import { z } from "zod";
import { supervision } from "../../config/fields.ts";
import { defineAdapterKind } from "../kind.ts";

/** [adapters.NAME] with kind = "telegram". */
export const telegramConfigSchema = z
  .strictObject({
    kind: z.literal("telegram"),
    token: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, { error: 'must look like "123456:ABC-DEF..." (from @BotFather)' }).describe("Bot token from @BotFather."),
    api_root: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
      .default("https://api.telegram.org")
      .describe("Bot API root (a self-hosted Bot API server, or a test server)."),
    poll_timeout_s: z.number().int().min(0).max(50).default(30).describe("getUpdates long-poll timeout, in seconds."),
    ...supervision(120_000),
  })
  .describe("Telegram bot over the Bot API (long polling).");

export type TelegramAdapterConfig = z.output<typeof telegramConfigSchema>;

/** A Telegram bot (long polling). */
export const telegram = defineAdapterKind({
  kind: "telegram",
  configSchema: telegramConfigSchema,
  template: `# A Telegram bot (long polling).
# [adapters.tg]
# kind = "telegram"
# token = "\${TELEGRAM_BOT_TOKEN}"
`,
  load: async () => (await import("./index.ts")).createTelegramAdapter,
});
