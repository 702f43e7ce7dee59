import { readJson, writeFileAtomic } from "../../util/fsx.ts";

/** What a reply to one inbound mail needs, kept so a reply sent after a restart still threads. */
export interface MailRecord {
  /** The conversation (thread root Message-ID) the mail belongs to. */
  conversation: string;
  /** The sender's address: where the reply goes. */
  to: string;
  subject: string;
  /** The References of a reply to it: the mail's own references, then its Message-ID. */
  references: string[];
}

/** The email adapter's state file. */
export interface EmailState {
  /** The folder's UIDVALIDITY (a bigint, kept as its decimal string) the UIDs below belong to. */
  uidValidity: string;
  /** Every mail with a UID up to this one has been handed to the gateway (or skipped). */
  lastUid: number;
  /** Epoch ms of the first start: after a UIDVALIDITY change, older mail is not answered. */
  since: number;
  /** Recent inbound mail by Message-ID, oldest first (bounded). */
  mail: Record<string, MailRecord>;
}

/** How many inbound mails the state keeps for threading replies. */
export const MAIL_RECORDS_KEPT = 500;

function isRecord(v: unknown): v is MailRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.conversation === "string" && typeof r.to === "string" && typeof r.subject === "string" && Array.isArray(r.references) && r.references.every((x) => typeof x === "string");
}

/** The stored state, or undefined when there is none (first start) or it is unreadable. */
export function readState(file: string): EmailState | undefined {
  const s = readJson<Partial<EmailState>>(file);
  if (!s || typeof s.uidValidity !== "string" || typeof s.lastUid !== "number" || !Number.isSafeInteger(s.lastUid) || s.lastUid < 0) return undefined;
  const mail: Record<string, MailRecord> = {};
  if (typeof s.mail === "object" && s.mail !== null) for (const [id, r] of Object.entries(s.mail)) if (isRecord(r)) mail[id] = r;
  return { uidValidity: s.uidValidity, lastUid: s.lastUid, since: typeof s.since === "number" ? s.since : 0, mail };
}

function write(file: string, s: EmailState): void {
  writeFileAtomic(file, JSON.stringify(s) + "\n", 0o600);
}

/** Start (or restart) the state for a folder: a new UIDVALIDITY begins again at `lastUid`, keeping the mail records. */
export function resetState(file: string, uidValidity: string, lastUid: number, now: number): EmailState {
  const old = readState(file);
  const s: EmailState = { uidValidity, lastUid, since: old?.since || now, mail: old?.mail ?? {} };
  write(file, s);
  return s;
}

/**
 * Move lastUid forward to `uid`, for the same UIDVALIDITY only and never back: a late accept
 * from an adapter instance that was already replaced must not send the new one back.
 */
export function advanceLastUid(file: string, uidValidity: string, uid: number): void {
  const s = readState(file);
  if (!s || s.uidValidity !== uidValidity || uid <= s.lastUid) return;
  write(file, { ...s, lastUid: uid });
}

/** Remember one inbound mail for its reply (before it is handed over, so a reply after a crash finds it). */
export function recordMail(file: string, messageId: string, record: MailRecord): void {
  const s = readState(file);
  if (!s) return;
  delete s.mail[messageId];
  s.mail[messageId] = record;
  const ids = Object.keys(s.mail);
  for (const id of ids.slice(0, Math.max(0, ids.length - MAIL_RECORDS_KEPT))) delete s.mail[id];
  write(file, s);
}

/** The newest recorded mail of a conversation. */
export function latestOf(state: EmailState | undefined, conversation: string): { id: string; record: MailRecord } | undefined {
  if (!state) return undefined;
  const hit = Object.entries(state.mail).findLast(([, r]) => r.conversation === conversation);
  return hit ? { id: hit[0], record: hit[1] } : undefined;
}
