import { z } from "zod";
import { hostPortSchema, supervision } from "../../config/fields.ts";
import { channelList, floodControl, pingInterval } from "../irc/fields.ts";
import { defineAdapterKind } from "../kind.ts";

/** [adapters.NAME] with kind = "twitch". */
export const twitchConfigSchema = z
  .strictObject({
    kind: z.literal("twitch"),
    server: hostPortSchema.default("irc.chat.twitch.tv:6697").describe('Twitch chat server, "host:port".'),
    tls: z.boolean().default(true).describe("Connect with TLS."),
    tls_verify: z.boolean().default(true).describe("Verify the server's TLS certificate."),
    username: z.string().regex(/^[A-Za-z0-9_]{1,25}$/, { error: "must be a Twitch login: 1-25 letters, digits or _" }).describe("The bot account's login name."),
    oauth_token: z.string().regex(/^\S+$/, { error: "must not be empty or contain spaces" }).describe('OAuth token ("oauth:..." or the bare token).'),
    channels: channelList,
    trigger_prefix: z.string().min(1).optional().describe('Only messages starting with this (e.g. "!bot") reach the agent; the prefix is stripped.'),
    ping_interval_ms: pingInterval(),
    ...floodControl(20, 1_500),
    ...supervision(180_000),
  })
  .describe("Twitch chat (IRC with Twitch conventions).");

export type TwitchAdapterConfig = z.output<typeof twitchConfigSchema>;

/** Twitch chat; its protocol code is the irc kind's, with Twitch's conventions. */
export const twitch = defineAdapterKind({
  kind: "twitch",
  configSchema: twitchConfigSchema,
  template: `# Twitch chat.
# [adapters.stream]
# kind = "twitch"
# username = "mybot"
# oauth_token = "\${TWITCH_OAUTH_TOKEN}"
# channels = ["#mychannel"]
# trigger_prefix = "!bot"
`,
  load: async () => (await import("../irc/index.ts")).createTwitchAdapter,
});
