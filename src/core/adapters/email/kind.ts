import { z } from "zod";
import { hostPortSchema, lineSecret, supervision } from "../../config/fields.ts";
import { defineAdapterKind } from "../kind.ts";

/** One allow_from entry: an address (bot@example.com) or a whole domain (example.com). */
const allowEntry = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^([^\s@<>]+@)?[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: 'must be an address ("friend@elsewhere.org") or a domain ("example.com")' });

/** [adapters.NAME] with kind = "email". */
export const emailConfigSchema = z
  .strictObject({
    kind: z.literal("email"),
    imap: hostPortSchema.describe('IMAP server, "host:port" (993 with imap_tls, 143 without).'),
    imap_tls: z.boolean().default(true).describe("Connect to IMAP over TLS (IMAPS); false is plain IMAP, upgraded by STARTTLS when the server offers it."),
    smtp: hostPortSchema.describe('SMTP server for replies, "host:port".'),
    smtp_tls: z.enum(["tls", "starttls", "none"]).default("starttls").describe('"tls" (port 465), "starttls" (port 587, TLS required) or "none" (a local relay).'),
    username: z.string().regex(/^[^\r\n\0]+$/, { error: "must be one line" }).describe("Login for IMAP and SMTP."),
    password: lineSecret("Password for IMAP and SMTP."),
    from: z.string().regex(/@/, { error: 'must contain an address, e.g. "Bosun <bot@example.com>"' }).regex(/^[^\r\n]+$/, { error: "must be one line" }).describe('The From of replies, e.g. "Bosun <bot@example.com>"; mail from this address is never answered.'),
    allow_from: z
      .array(allowEntry)
      .min(1, { error: "name at least one address or domain the bot answers" })
      .describe("Senders the bot answers: addresses or domains (case-insensitive). Everyone else gets nothing."),
    folder: z.string().min(1).regex(/^[^\r\n\0]+$/, { error: "must be one line" }).default("INBOX").describe("The IMAP folder watched for new mail."),
    ...supervision(300_000),
  })
  .describe("Email: new mail in an IMAP folder (IDLE), replies over SMTP in the same thread.");

export type EmailAdapterConfig = z.output<typeof emailConfigSchema>;

/** An email account: IMAP IDLE in, SMTP out. */
export const email = defineAdapterKind({
  kind: "email",
  configSchema: emailConfigSchema,
  template: `# Email: answers new mail in an IMAP folder (IDLE), replies over SMTP in the same thread.
# Only senders in allow_from are answered; auto-replies and list mail never are.
# [adapters.mail]
# kind = "email"
# imap = "imap.example.com:993"
# imap_tls = true
# smtp = "smtp.example.com:587"
# smtp_tls = "starttls"                  # "tls" | "starttls" | "none"
# username = "bot@example.com"
# password = "\${MAIL_PASSWORD}"
# from = "Bosun <bot@example.com>"
# allow_from = ["example.com", "friend@elsewhere.org"]
# folder = "INBOX"
`,
  load: async () => (await import("./index.ts")).createEmailAdapter,
  check: async () => (await import("./check.ts")).checkEmail,
});
