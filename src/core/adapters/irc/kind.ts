import { z } from "zod";
import { hostPortSchema, lineSecret, supervision } from "../../config/fields.ts";
import { defineAdapterKind } from "../kind.ts";
import { channelList, floodControl, pingInterval } from "./fields.ts";

/** [adapters.NAME] with kind = "irc". */
export const ircConfigSchema = z
  .strictObject({
    kind: z.literal("irc"),
    server: hostPortSchema.describe('IRC server, "host:port".'),
    tls: z.boolean().default(false).describe("Connect with TLS."),
    tls_verify: z.boolean().default(true).describe("Verify the server's TLS certificate."),
    nick: z.string().regex(/^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,29}$/, { error: "not a valid IRC nickname" }).describe("Nickname."),
    username: z.string().optional().describe("Username (ident); defaults to the nick."),
    realname: z.string().optional().describe("Real name field."),
    password: lineSecret("Server password (PASS).").optional(),
    sasl_username: z.string().regex(/^[^\r\n\0]+$/, { error: "must be one line" }).optional().describe("SASL PLAIN account name (needs sasl_password)."),
    sasl_password: lineSecret("SASL PLAIN password (needs sasl_username).").optional(),
    nickserv_password: lineSecret("Password sent to NickServ IDENTIFY after connecting.").optional(),
    channels: channelList,
    ping_interval_ms: pingInterval(),
    ...floodControl(5, 500),
    ...supervision(180_000),
  })
  .refine((c) => (c.sasl_username === undefined) === (c.sasl_password === undefined), {
    error: "sasl_username and sasl_password go together",
    path: ["sasl_password"],
    params: { hint: "set both for SASL PLAIN, or neither" },
  })
  .describe("IRC network (plain or TLS, SASL PLAIN or NickServ).");

export type IrcAdapterConfig = z.output<typeof ircConfigSchema>;

/** Any IRC network. */
export const irc = defineAdapterKind({
  kind: "irc",
  configSchema: ircConfigSchema,
  template: `# IRC (plain or TLS; SASL PLAIN or NickServ). In channels the bot answers "nick: ..." lines.
# [adapters.libera]
# kind = "irc"
# server = "irc.libera.chat:6697"
# tls = true
# nick = "bosunbot"
# channels = ["#bosun"]
# sasl_username = "bosunbot"
# sasl_password = "\${IRC_PASSWORD}"
`,
  load: async () => (await import("./index.ts")).createIrcAdapter,
});
