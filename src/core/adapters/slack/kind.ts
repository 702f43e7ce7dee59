import { z } from "zod";
import { supervision } from "../../config/fields.ts";
import { defineAdapterKind } from "../kind.ts";

/** [adapters.NAME] with kind = "slack". Both tokens are secrets (`*_token`, see config/secrets.ts). */
export const slackConfigSchema = z
  .strictObject({
    kind: z.literal("slack"),
    app_token: z
      .string()
      .regex(/^xapp-[A-Za-z0-9-]+$/, { error: 'must be an app-level token "xapp-..." with the connections:write scope (Socket Mode)' })
      .describe("App-level token (xapp-...) with connections:write, for Socket Mode."),
    bot_token: z
      .string()
      .regex(/^xoxb-[A-Za-z0-9-]+$/, { error: 'must be a bot token "xoxb-..." (OAuth & Permissions)' })
      .describe("Bot user OAuth token (xoxb-...), for the Web API (chat.postMessage, auth.test, conversations.info)."),
    api_root: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
      .default("https://slack.com/api")
      .describe("Web API root (a test server)."),
    ...supervision(120_000),
  })
  .describe("Slack app over Socket Mode (no public URL needed).");

export type SlackAdapterConfig = z.output<typeof slackConfigSchema>;

/** A Slack app (Socket Mode). */
export const slack = defineAdapterKind({
  kind: "slack",
  configSchema: slackConfigSchema,
  template: `# A Slack app over Socket Mode (app token with connections:write; bot token with
# chat:write, app_mentions:read, and channels:history / im:history for plain messages).
# [adapters.work]
# kind = "slack"
# app_token = "\${SLACK_APP_TOKEN}"
# bot_token = "\${SLACK_BOT_TOKEN}"
`,
  load: async () => (await import("./index.ts")).createSlackAdapter,
  check: async () => (await import("./check.ts")).checkSlack,
});
