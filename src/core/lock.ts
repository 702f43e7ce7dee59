import { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { BosunError, errorMessage } from "./errors.ts";
import { systemClock, type Clock } from "./util/clock.ts";
import { ownStartTicks, processAlive, processStartTicks, sleepSync } from "./util/process.ts";

export interface LockHolder {
  pid: number;
  startedAt: string;
  /** The holder's process start (ticks since boot), to tell it from a later process reusing the pid. */
  procStart?: number;
}

export type LockResult = { ok: true; release: () => void } | { ok: false; holder: LockHolder };

/** A takeover guard older than this belongs to a process that died mid-takeover. */
const TAKEOVER_STALE_MS = 5_000;
/** An unreadable lock younger than this may still be being written by its owner. */
const UNREADABLE_GRACE_MS = 2_000;
const ATTEMPTS = 20;

/** What a lock path holds right now. */
type LockFile = { kind: "absent" } | { kind: "unreadable"; mtimeMs: number } | { kind: "held"; holder: LockHolder };

/** The holder reported when the lock is contended but its owner can't be named (yet). */
const UNKNOWN: LockHolder = { pid: 0, startedAt: "" };

/**
 * Take an exclusive lock file holding our pid and start time. A lock whose process is gone (its
 * pid dead, or reused by an unrelated process) is stale and is taken over; a live one is reported
 * back so the caller can name the holder. A holder that can't be named (a lock being written, or
 * a takeover still contended after every attempt) is reported as pid 0: busy, by someone
 * unknown. A dead pid is never reported as the holder. `clock` stamps `startedAt`; file ages are
 * measured against the real time, since the file system stamps mtimes with it.
 */
export function acquireLock(path: string, pid = process.pid, clock: Pick<Clock, "now"> = systemClock): LockResult {
  const now = () => new Date(clock.now()).toISOString();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (tryCreate(path, pid, now)) return { ok: true, release: () => releaseIfOurs(path, pid) };
    const seen = inspect(path);
    if (seen.kind === "absent") continue; // released between our create and our read: try again
    if (seen.kind === "held" && seen.holder.pid !== pid && holderAlive(seen.holder)) return { ok: false, holder: seen.holder };
    if (seen.kind === "unreadable" && Date.now() - seen.mtimeMs < UNREADABLE_GRACE_MS) return { ok: false, holder: UNKNOWN };
    // Stale. Whoever holds the takeover guard removes it; the others give that one a moment.
    if (!takeOverStale(path, seen)) sleepSync(1 + Math.floor(Math.random() * 4));
  }
  const last = inspect(path);
  return { ok: false, holder: last.kind === "held" && holderAlive(last.holder) ? last.holder : UNKNOWN };
}

/**
 * Create the lock with its content in one step: write a private temporary file, then hard-link it
 * to the lock path (which fails if the lock exists), so no reader ever sees a half-written lock.
 * Where hard links are not supported, fall back to an exclusive create followed by the write.
 */
function tryCreate(path: string, pid: number, now: () => string): boolean {
  const procStart = pid === process.pid ? ownStartTicks : processStartTicks(pid);
  const body = JSON.stringify({ pid, startedAt: now(), ...(procStart === null ? {} : { procStart }) });
  const tmp = `${path}.${pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, body, { mode: 0o600, flag: "wx" });
    try {
      linkSync(tmp, path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return false;
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw err;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, body);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Remove a stale lock under a short exclusive guard, re-checking that the file still holds exactly
 * what we saw: without the guard two processes could both delete, and one would delete the
 * other's fresh lock. An absent lock is never "removed": a new owner may be creating it right
 * now. False when another process holds the guard.
 */
function takeOverStale(path: string, seen: LockFile): boolean {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, "wx", 0o600);
  } catch {
    try {
      if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_STALE_MS) rmSync(guard, { force: true });
    } catch {
      // gone already
    }
    return false;
  }
  closeSync(fd);
  try {
    const now = inspect(path);
    // While the stale file exists no one else can create the lock, and only guard holders
    // remove stale files: so if it is unchanged now, removing it removes only what we saw.
    const same =
      (now.kind === "held" && seen.kind === "held" && now.holder.pid === seen.holder.pid && now.holder.startedAt === seen.holder.startedAt) ||
      (now.kind === "unreadable" && seen.kind === "unreadable" && now.mtimeMs === seen.mtimeMs);
    if (same) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
  return true;
}

function inspect(path: string): LockFile {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "absent" };
    throw new BosunError("lock_unreadable", `cannot read the lock file ${path} (${code ?? errorMessage(err)})`, {
      hint: "check its owner and permissions; if no bosun is running, remove it",
    });
  }
  const holder = parseHolder(text);
  return holder ? { kind: "held", holder } : { kind: "unreadable", mtimeMs };
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text);
    if (typeof v?.pid === "number") {
      return { pid: v.pid, startedAt: String(v.startedAt ?? ""), ...(Number.isSafeInteger(v.procStart) ? { procStart: v.procStart as number } : {}) };
    }
  } catch {
    // half-written or garbage
  }
  return undefined;
}

/** True while the holder's process runs: its pid is alive and was not reused by another process. */
export function holderAlive(h: LockHolder): boolean {
  return processAlive(h.pid, h.procStart);
}

/** Read a lock file's holder, if it parses. */
export function readHolder(path: string): LockHolder | undefined {
  try {
    return parseHolder(readFileSync(path, "utf8"));
  } catch {
    return undefined; // missing
  }
}

function releaseIfOurs(path: string, pid: number): void {
  const holder = readHolder(path);
  if (!holder || holder.pid === pid) rmSync(path, { force: true });
}
