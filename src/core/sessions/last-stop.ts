import { readFileSync } from "node:fs";
import { removeFile, writeFileDurable } from "../util/fsx.ts";
import { sessionId, sessionKey } from "./key.ts";
import type { SessionStore } from "./store.ts";

// The last-stop record (semantics §4 "Clean stop"): what a chosen `bosun down` left unanswered.
// The runtime answers stored unanswered messages at every start (crash recovery), so a chosen stop
// means something only if its sessions wait for the operator: a start that finds a fresh record
// holds the sessions it lists until `bosun restore` (or `up --restore`). A start stamps the record
// with `heldSince`; a later `down` writes a fresh one, so a stamped record at the next start means
// that run ended without a `down` (a crash), and everything is answered as after any crash.

/** One session the stop left owing something. */
export interface LastStopSession {
  id: string;
  key: string;
  /** Stored messages without a reply. */
  pendingInbound: number;
  /** Replies recorded but not delivered yet. */
  pendingOutbound: number;
  /** Why the last restore could not restore it (absent until one failed). */
  error?: string;
}

export interface LastStop {
  /** ISO time of the stop. */
  stoppedAt: string;
  sessions: LastStopSession[];
  /** ISO start time of the run that held these sessions (absent in a record `down` just wrote). */
  heldSince?: string;
}

/** What a start does with the record it finds. */
export type LastStopVerdict =
  | { kind: "none" }
  /** A chosen stop's record: its sessions wait for a restore. */
  | { kind: "hold"; record: LastStop }
  /** A run held these and ended without `down` (or the file is unreadable): answer all, as after a crash. */
  | { kind: "crashed"; record: LastStop | null; reason: string };

/** The sessions with messages waiting or replies undelivered, from the store. */
export async function collectLastStop(store: SessionStore, stoppedAt: number, configured: (adapter: string) => boolean = () => true): Promise<LastStop> {
  const byKey = new Map<string, LastStopSession>();
  const entry = (key: string) => {
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { id: sessionId(key), key, pendingInbound: 0, pendingOutbound: 0 }));
    return s;
  };
  // A session of an adapter no longer configured can never be restored: listing it would ask at every start.
  for (const p of await store.pendingInbound()) if (configured(p.adapter)) entry(sessionKey(p.adapter, p.message.conversation, p.message.thread)).pendingInbound++;
  for (const o of await store.pendingOutbox()) if (configured(o.adapter)) entry(sessionKey(o.adapter, o.conversation, o.thread)).pendingOutbound++;
  return { stoppedAt: new Date(stoppedAt).toISOString(), sessions: [...byKey.values()] };
}

/** Write the record durably: temp file, fsync, rename, directory fsync; mode 0600. Never torn. */
export function writeLastStop(path: string, record: LastStop): void {
  writeFileDurable(path, JSON.stringify(record, null, 2) + "\n", 0o600);
}

export function removeLastStop(path: string): void {
  removeFile(path);
}

/** The record on disk: null when there is none, an error string when it cannot be used. */
export function readLastStop(path: string): LastStop | null | { invalid: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    return { invalid: `cannot read ${path}: ${(err as Error).message}` };
  }
  try {
    return parseLastStop(JSON.parse(text));
  } catch (err) {
    return { invalid: `${path} is not a last-stop record: ${(err as Error).message}` };
  }
}

/** What a start does: hold a chosen stop's sessions, or recover everything after a crash. */
export function lastStopVerdict(found: ReturnType<typeof readLastStop>): LastStopVerdict {
  if (found === null) return { kind: "none" };
  if ("invalid" in found) return { kind: "crashed", record: null, reason: found.invalid };
  if (found.heldSince !== undefined) return { kind: "crashed", record: found, reason: `the run started at ${found.heldSince} ended without \`bosun down\`` };
  if (found.sessions.length === 0) return { kind: "none" };
  return { kind: "hold", record: found };
}

/** Totals for a prompt or a hint. */
export function lastStopTotals(r: LastStop): { sessions: number; waiting: number; undelivered: number } {
  return { sessions: r.sessions.length, waiting: r.sessions.reduce((n, s) => n + s.pendingInbound, 0), undelivered: r.sessions.reduce((n, s) => n + s.pendingOutbound, 0) };
}

/** Checks every field: the file is ours, but a hand edit or another version may have written it. */
function parseLastStop(v: unknown): LastStop {
  if (!v || typeof v !== "object") throw new Error("not an object");
  const o = v as Record<string, unknown>;
  if (typeof o.stoppedAt !== "string" || Number.isNaN(Date.parse(o.stoppedAt))) throw new Error("stoppedAt is not a time");
  if (!Array.isArray(o.sessions)) throw new Error("sessions is not a list");
  const sessions = o.sessions.map((s, i): LastStopSession => {
    const r = (s ?? {}) as Record<string, unknown>;
    const count = (x: unknown) => (typeof x === "number" && Number.isInteger(x) && x >= 0 ? x : null);
    const inbound = count(r.pendingInbound);
    const outbound = count(r.pendingOutbound);
    if (typeof r.key !== "string" || typeof r.id !== "string" || inbound === null || outbound === null) throw new Error(`sessions[${i}] is not a session`);
    return { id: r.id, key: r.key, pendingInbound: inbound, pendingOutbound: outbound, ...(typeof r.error === "string" ? { error: r.error } : {}) };
  });
  return { stoppedAt: o.stoppedAt, sessions, ...(typeof o.heldSince === "string" ? { heldSince: o.heldSince } : {}) };
}

/** What a restore did: the sessions released (their waiting messages queued) and those it could not, with why. */
export interface RestoreResult {
  restored: LastStopSession[];
  failed: LastStopSession[];
  /** Stored messages queued for an answer. */
  queued: number;
  /** Whether there was a record to restore at all. */
  found: boolean;
}
