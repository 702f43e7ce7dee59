import { createTransport, type Transporter } from "nodemailer";
import { UndeliverableError } from "../../messages.ts";
import { parseHostPort } from "../../util/listen.ts";
import type { OutboundMessage } from "../types.ts";
import type { EmailAdapterConfig } from "./kind.ts";
import { bareAddress, replySubject } from "./parse.ts";
import { latestOf, readState, type MailRecord } from "./state.ts";

/** SMTP connection, greeting and socket deadlines. */
const SMTP_TIMEOUT_MS = 30_000;

/** The SMTP transport for replies, by smtp_tls: implicit TLS, STARTTLS required, or plain (a local relay). */
export function smtpTransport(config: EmailAdapterConfig): Transporter {
  const hp = parseHostPort(config.smtp)!;
  return createTransport({
    host: hp.host,
    port: hp.port,
    secure: config.smtp_tls === "tls",
    requireTLS: config.smtp_tls === "starttls",
    ignoreTLS: config.smtp_tls === "none",
    auth: { user: config.username, pass: config.password },
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
}

/** The mail a reply (or a `bosun send`) becomes: To, Subject and the threading headers. */
export interface OutgoingMail {
  to: string;
  subject: string;
  inReplyTo?: string;
  references?: string[];
}

/**
 * Where an outbound message goes. A reply answers the mail it names (In-Reply-To it, References
 * its chain plus it, "Re:" its subject); a message to a known thread answers the thread's newest
 * mail; a bare address (`bosun send mail friend@example.com "…"`) starts a new mail. Anything
 * else cannot be delivered, now or later.
 */
export function outgoing(message: OutboundMessage, stateFile: string): OutgoingMail {
  const state = readState(stateFile);
  const reply = (rec: MailRecord, id: string): OutgoingMail => ({ to: rec.to, subject: replySubject(rec.subject), inReplyTo: id, references: rec.references.includes(id) ? rec.references : [...rec.references, id] });
  const named = message.replyTo ? state?.mail[message.replyTo] : undefined;
  if (named && message.replyTo) return reply(named, message.replyTo);
  const latest = latestOf(state, message.conversation);
  if (latest) return reply(latest.record, latest.id);
  const address = /^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+$/.test(message.conversation) ? bareAddress(message.conversation) : undefined;
  if (address) {
    const firstLine = message.text.trim().split("\n")[0]!.trim();
    return { to: address, subject: firstLine.length > 60 ? `${firstLine.slice(0, 57)}…` : firstLine || "Message" };
  }
  throw new UndeliverableError(`no email thread or address "${message.conversation.slice(0, 200)}" to send to`);
}

/** SMTP answers that a retry will not change: 5xx for the message or a recipient (not a login refusal). */
export function permanentSmtpError(err: unknown): boolean {
  const e = err as { responseCode?: unknown; code?: unknown };
  return typeof e?.responseCode === "number" && e.responseCode >= 500 && e.responseCode < 600 && e.code !== "EAUTH";
}
