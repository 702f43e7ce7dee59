import { ImapFlow } from "imapflow";
import { errorMessage } from "../../errors.ts";
import { UndeliverableError } from "../../messages.ts";
import { parseHostPort } from "../../util/listen.ts";
import { AsyncQueue } from "../../util/queue.ts";
import { TerminalError } from "../errors.ts";
import type { Adapter, AdapterContext, AdapterEvent, AdapterFactory, OutboundMessage } from "../types.ts";
import type { EmailAdapterConfig } from "./kind.ts";
import { folderMissing, loginRefused } from "./login.ts";
import { bareAddress, subjectTitle } from "./parse.ts";
import { outgoing, permanentSmtpError, smtpTransport } from "./send.ts";
import { latestOf, readState, resetState } from "./state.ts";
import { FolderWatch } from "./watch.ts";

/** IMAP connect and greeting deadlines. */
const CONNECT_TIMEOUT_MS = 15_000;
/** Deadline of the NOOP a probe sends. */
const PROBE_TIMEOUT_MS = 5_000;
/** IDLE is renewed within this (servers drop an IDLE after 30 min). */
const MAX_IDLE_MS = 25 * 60_000;
/**
 * Quiet time before imapflow (re)enters IDLE after a command; its default of 15 s would leave
 * new mail unnoticed that long after each fetch or probe.
 */
const AUTO_IDLE_DELAY_MS = 200;

/** The IMAP server refused the login (or the folder): retrying will not help until the config changes. */
export class EmailAuthError extends TerminalError {
  override readonly name = "EmailAuthError";
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * The email adapter: IMAP IDLE on one folder in, SMTP out. One object is one IMAP connection
 * (an ImapFlow instance cannot reconnect): when it closes the stream ends and the supervisor
 * builds a new adapter. A refused login is a TerminalError (`failed`, no retry storm).
 */
export const createEmailAdapter: AdapterFactory<EmailAdapterConfig> = (ctx: AdapterContext<EmailAdapterConfig>): Adapter => {
  const { config, log } = ctx;
  const imap = parseHostPort(config.imap)!;
  const own = [bareAddress(config.from), bareAddress(config.username)].filter((a): a is string => a !== undefined);
  const stop = new AbortController();
  let taking = true;
  let client: ImapFlow | null = null;
  let queue: AsyncQueue<AdapterEvent> | null = null;
  let started = false;
  let lastEventAt = 0;
  const touch = () => {
    lastEventAt = ctx.clock.now();
  };
  const transport = smtpTransport(config);

  const adapter: Adapter = {
    name: ctx.name,
    kind: "email",
    get lastEventAt() {
      return lastEventAt;
    },

    async start(signal: AbortSignal) {
      if (started) throw new Error("an email adapter object starts once; the supervisor builds a new one per attempt");
      started = true;
      if (signal.aborted || stop.signal.aborted) throw new Error("email start aborted");
      signal.addEventListener("abort", () => void adapter.shutdown(), { once: true });
      const c = new ImapFlow({
        host: imap.host,
        port: imap.port,
        secure: config.imap_tls,
        auth: { user: config.username, pass: config.password },
        logger: false,
        connectionTimeout: CONNECT_TIMEOUT_MS,
        greetingTimeout: CONNECT_TIMEOUT_MS,
        maxIdleTime: MAX_IDLE_MS,
        autoIdleDelay: AUTO_IDLE_DELAY_MS,
      });
      client = c;
      const q = new AsyncQueue<AdapterEvent>();
      // Errors are followed by 'close'; without a listener an 'error' event would crash the process.
      c.on("error", (err: unknown) => log.debug(`email: IMAP error: ${errorMessage(err)}`));
      c.on("close", () => q.end(stop.signal.aborted ? undefined : new Error("the IMAP connection closed")));
      try {
        await c.connect();
      } catch (err) {
        c.close();
        if (stop.signal.aborted) throw new Error("email start aborted");
        if (loginRefused(err)) throw new EmailAuthError(`IMAP login refused for ${config.username} (AUTHENTICATIONFAILED)`);
        throw err;
      }
      let mailbox;
      try {
        mailbox = await c.mailboxOpen(config.folder);
      } catch (err) {
        c.close();
        if (folderMissing(err)) throw new EmailAuthError(`IMAP folder "${config.folder}" does not exist`);
        throw err;
      }
      touch();
      const uidValidity = String(mailbox.uidValidity);
      let state = readState(ctx.stateFile);
      let notBefore: number | undefined;
      if (!state) {
        // First start: answer what arrives from now on, not the folder's whole history.
        state = resetState(ctx.stateFile, uidValidity, Math.max(0, mailbox.uidNext - 1), ctx.clock.now());
      } else if (state.uidValidity !== uidValidity) {
        // The folder was rebuilt: its UIDs mean nothing any more. Look at everything again; the
        // gateway recognises mail it has by Message-ID, and mail from before bosun's first start is left alone.
        log.warn(`email: UIDVALIDITY of "${config.folder}" changed (${state.uidValidity} -> ${uidValidity}); re-reading the folder`);
        state = resetState(ctx.stateFile, uidValidity, 0, ctx.clock.now());
        notBefore = state.since;
      }
      log.info(`email connected to ${config.imap} as ${config.username}, watching "${config.folder}"`);
      queue = q;
      const w = new FolderWatch({ client: c, folder: config.folder, stateFile: ctx.stateFile, state, notBefore, own, allowFrom: config.allow_from, queue: q, log, taking: () => taking && !stop.signal.aborted, touch });
      const look = () => {
        touch();
        q.push({ type: "activity" });
        w.poke().catch((err: unknown) => {
          if (stop.signal.aborted) return;
          log.debug(`email: fetching new mail failed: ${errorMessage(err)}`);
          // A failed fetch leaves the connection in doubt: a new one starts from the stored lastUid.
          q.end(err);
          c.close();
        });
      };
      c.on("exists", look);
      // Mail that came while bosun was down.
      look();
      return q;
    },

    async send(message: OutboundMessage) {
      const mail = outgoing(message, ctx.stateFile);
      try {
        await transport.sendMail({
          from: config.from,
          to: mail.to,
          subject: mail.subject,
          text: message.text,
          inReplyTo: mail.inReplyTo,
          references: mail.references,
          // RFC 3834: an automatic answer says so, so other robots do not answer it back.
          headers: { "Auto-Submitted": "auto-replied" },
        });
      } catch (err) {
        if (permanentSmtpError(err)) throw new UndeliverableError(`SMTP refused the reply to ${mail.to}: ${errorMessage(err)}`);
        throw err;
      }
      touch();
    },

    // Session titles: the thread's subject, from the mail this adapter has seen (no network).
    async describe(conversation: string) {
      const latest = latestOf(readState(ctx.stateFile), conversation);
      const title = latest ? subjectTitle(latest.record.subject) : undefined;
      return title ? { title } : null;
    },

    stopIntake() {
      taking = false;
    },

    async shutdown() {
      if (stop.signal.aborted) return;
      stop.abort();
      taking = false;
      queue?.end();
      const c = client;
      if (c && c.usable) await withTimeout(c.logout(), 2_000, "IMAP logout").catch(() => c.close());
      else c?.close();
      transport.close();
    },

    async probe() {
      const c = client;
      if (!c || !queue || queue.ended || stop.signal.aborted || !c.usable) return false;
      try {
        await withTimeout(c.noop(), PROBE_TIMEOUT_MS, "IMAP NOOP");
        touch();
        return true;
      } catch {
        return false;
      }
    },
  };
  return adapter;
};
