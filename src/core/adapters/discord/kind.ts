import { z } from "zod";
import { supervision } from "../../config/fields.ts";
import { defineAdapterKind } from "../kind.ts";

/** [adapters.NAME] with kind = "discord". */
export const discordConfigSchema = z
  .strictObject({
    kind: z.literal("discord"),
    token: z
      .string()
      .min(20, { error: "must be a bot token (Developer Portal → your application → Bot → Token)" })
      .regex(/^[A-Za-z0-9._-]+$/, { error: "must be a bot token without the \"Bot \" prefix" })
      .describe("Bot token from the Discord Developer Portal."),
    respond: z
      .enum(["mention", "all"])
      .default("mention")
      .describe('In guild channels: answer only when the bot is mentioned or replied to ("mention"), or every message ("all"). DMs are always answered.'),
    api_root: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
      .default("https://discord.com/api")
      .describe("REST API root, without the version (a test server); the gateway URL comes from GET /gateway/bot."),
    // Heartbeats arrive every ~41 s: three missed ones make the connection stale.
    ...supervision(150_000),
  })
  .describe("Discord bot over the Gateway (v10) and the REST API.");

export type DiscordAdapterConfig = z.output<typeof discordConfigSchema>;

/** A Discord bot (Gateway v10). */
export const discord = defineAdapterKind({
  kind: "discord",
  configSchema: discordConfigSchema,
  template: `# A Discord bot (enable the Message Content intent in the Developer Portal).
# [adapters.team]
# kind = "discord"
# token = "\${DISCORD_BOT_TOKEN}"
# respond = "mention"   # or "all": every message in guild channels; DMs are always answered
`,
  load: async () => (await import("./index.ts")).createDiscordAdapter,
  check: async () => (await import("./check.ts")).checkDiscord,
});
