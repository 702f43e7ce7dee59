import type { ConsolaInstance } from "consola";
import type { ImapFlow } from "imapflow";
import { simpleParser } from "mailparser";
import { errorMessage } from "../../errors.ts";
import type { AsyncQueue } from "../../util/queue.ts";
import type { AdapterEvent, InboundMessage } from "../types.ts";
import { allowed, automaticReason, bareAddress, referencesOf, stripQuoted, subjectTitle, threadRoot } from "./parse.ts";
import { PendingUids } from "./pending.ts";
import { advanceLastUid, recordMail, type EmailState } from "./state.ts";

/** Mail larger than this is not downloaded (nor answered): a hostile sender must not exhaust memory. */
export const MAX_MAIL_BYTES = 10 * 1024 * 1024;
/** The text handed to the agent is cut here. */
const MAX_TEXT_CHARS = 100_000;

export interface WatchOptions {
  client: ImapFlow;
  folder: string;
  stateFile: string;
  state: EmailState;
  /** When set (after a UIDVALIDITY change), mail older than this is not answered. */
  notBefore?: number;
  /** Our own addresses: mail from them is never answered. */
  own: readonly string[];
  allowFrom: readonly string[];
  queue: AsyncQueue<AdapterEvent>;
  log: ConsolaInstance;
  /** False once intake stopped: nothing new is fetched. */
  taking: () => boolean;
  touch: () => void;
}

/**
 * Hands new mail of the selected folder to the gateway: every UID above the stored lastUid, at
 * start (mail that came while bosun was down) and on each EXISTS the IDLE reports. Fetches run
 * one at a time under the mailbox lock (auto-IDLE resumes once it is released). lastUid moves
 * when the gateway has stored a mail, so a crash before that fetches it again (the gateway
 * recognises its Message-ID) and nothing is lost.
 */
export class FolderWatch {
  readonly #o: WatchOptions;
  readonly #pending: PendingUids;
  /** The highest UID this instance has looked at (handed over or skipped). */
  #seen: number;
  #running: Promise<void> | null = null;
  #again = false;

  constructor(o: WatchOptions) {
    this.#o = o;
    this.#seen = o.state.lastUid;
    this.#pending = new PendingUids(o.state.lastUid);
  }

  /** Look for new mail (coalesced: one fetch at a time, one more after it when asked meanwhile). */
  poke(): Promise<void> {
    this.#again = true;
    if (!this.#running) {
      this.#running = (async () => {
        try {
          while (this.#again && this.#o.taking()) {
            this.#again = false;
            await this.#fetchNew();
          }
        } finally {
          this.#running = null;
        }
      })();
    }
    return this.#running;
  }

  async #fetchNew(): Promise<void> {
    const { client, folder } = this.#o;
    const lock = await client.getMailboxLock(folder);
    let found: Array<{ uid: number; size: number; internalDate?: Date }> = [];
    try {
      // "N:*" always matches the newest mail, even below N: hence the uid filter.
      // (fetchAll with the uid option answers nothing in imapflow 2.1.2; the iterator works.)
      const list = [];
      for await (const m of client.fetch(`${this.#seen + 1}:*`, { uid: true, size: true, internalDate: true }, { uid: true })) list.push(m);
      found = list
        .filter((m) => m.uid > this.#seen)
        .sort((a, b) => a.uid - b.uid)
        .map((m) => ({ uid: m.uid, size: m.size ?? 0, internalDate: m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : undefined }));
      for (const m of found) {
        if (!this.#o.taking()) break;
        this.#o.touch();
        this.#pending.take(m.uid);
        this.#seen = m.uid;
        const message = await this.#load(m);
        if (message) this.#handOver(m.uid, message);
        else this.#commit(m.uid);
      }
    } finally {
      lock.release();
    }
  }

  /** Download and read one mail; undefined (logged) when it is not to be answered. */
  async #load(m: { uid: number; size: number; internalDate?: Date }): Promise<InboundMessage | undefined> {
    const { log } = this.#o;
    if (m.size > MAX_MAIL_BYTES) {
      log.warn(`email: mail uid ${m.uid} is ${m.size} bytes, over the ${MAX_MAIL_BYTES} byte bound; not answered`);
      return undefined;
    }
    // Internal dates have whole seconds: only mail a full second older than the first start is left alone.
    if (this.#o.notBefore !== undefined && m.internalDate && m.internalDate.getTime() + 1000 <= this.#o.notBefore) return undefined;
    const got = await this.#o.client.fetchOne(String(m.uid), { uid: true, source: true }, { uid: true });
    if (!got || !got.source) return undefined;
    let mail;
    try {
      mail = await simpleParser(got.source, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    } catch (err) {
      log.warn(`email: mail uid ${m.uid} could not be parsed (${errorMessage(err)}); not answered`);
      return undefined;
    }
    const sender = bareAddress(mail.from?.value?.[0]?.address ?? mail.from?.text ?? "");
    if (!sender) {
      log.info(`email: mail uid ${m.uid} has no sender address; not answered`);
      return undefined;
    }
    if (this.#o.own.includes(sender)) return undefined;
    if (!allowed(sender, this.#o.allowFrom)) {
      log.info(`email: mail from ${sender} ignored (not in allow_from)`);
      return undefined;
    }
    const automatic = automaticReason(mail);
    if (automatic) {
      log.info(`email: mail from ${sender} ignored (${automatic})`);
      return undefined;
    }
    const messageId = mail.messageId && mail.messageId.length <= 998 && /^<[^<>\s]+>$/.test(mail.messageId.trim()) ? mail.messageId.trim() : `<uid-${this.#o.state.uidValidity}-${m.uid}@${this.#o.folder}>`;
    // Bounded: the subject is stored with the mail and repeated in every reply.
    const subject = (mail.subject ?? "").replace(/[\r\n]+/g, " ").trim().slice(0, 500);
    let text = stripQuoted(mail.text ?? "");
    if (text === "") text = subject;
    if (text === "") return undefined;
    const conversation = threadRoot(mail, messageId);
    const references = [...referencesOf(mail).filter((r) => r !== messageId && r.length <= 998), messageId];
    // Long chains keep their root and their newest ids, as mail clients do.
    const kept = references.length > 20 ? [references[0]!, ...references.slice(-19)] : references;
    recordMail(this.#o.stateFile, messageId, { conversation, to: sender, subject, references: kept });
    return { id: messageId, conversation, user: sender, text: text.slice(0, MAX_TEXT_CHARS), title: subjectTitle(subject) };
  }

  #handOver(uid: number, message: InboundMessage): void {
    this.#o.queue.push({
      type: "message",
      message,
      accepted: () => this.#commit(uid),
      // The gateway refused it (its id names another message): nothing to answer, but do not fetch it again.
      rejected: () => this.#commit(uid),
    });
  }

  #commit(uid: number): void {
    const upTo = this.#pending.done(uid);
    try {
      advanceLastUid(this.#o.stateFile, this.#o.state.uidValidity, upTo);
    } catch (err) {
      // The mail is stored by the gateway; a restart fetches it again and the gateway recognises it.
      this.#o.log.warn(`email: could not store the last UID: ${errorMessage(err)}`);
    }
  }
}
