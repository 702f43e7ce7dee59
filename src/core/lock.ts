import { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { pidAlive } from "./util/process.ts";

export interface LockHolder {
  pid: number;
  startedAt: string;
}

export type LockResult = { ok: true; release: () => void } | { ok: false; holder: LockHolder };

/** A takeover guard older than this belongs to a process that died mid-takeover. */
const TAKEOVER_STALE_MS = 5_000;

/**
 * Take an exclusive lock file holding our pid and start time. A lock whose pid is dead is stale
 * and is taken over; a live one is reported back so the caller can name the holder.
 */
export function acquireLock(path: string, pid = process.pid, now = () => new Date().toISOString()): LockResult {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (tryCreate(path, pid, now)) return { ok: true, release: () => releaseIfOurs(path, pid) };
    const holder = readHolder(path);
    if (holder && holder.pid !== pid && pidAlive(holder.pid)) return { ok: false, holder };
    // An unreadable lock that was just created may be being written by its owner right now (on a
    // file system without hard links, where creation and content are two steps).
    if (!holder && youngerThan(path, 2_000)) return { ok: false, holder: { pid: 0, startedAt: "" } };
    takeOverStale(path, holder);
  }
  return { ok: false, holder: readHolder(path) ?? { pid: 0, startedAt: "" } };
}

/**
 * Create the lock with its content in one step: write a private temporary file, then hard-link it
 * to the lock path (which fails if the lock exists), so no reader ever sees a half-written lock.
 * Where hard links are not supported, fall back to an exclusive create followed by the write.
 */
function tryCreate(path: string, pid: number, now: () => string): boolean {
  const body = JSON.stringify({ pid, startedAt: now() });
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
 * Remove a stale lock under a short exclusive guard, re-checking that the file still holds the
 * stale owner we saw: without the guard two processes could both delete, and one would delete
 * the other's fresh lock.
 */
function takeOverStale(path: string, seen: LockHolder | undefined): void {
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
    return;
  }
  closeSync(fd);
  try {
    const now = readHolder(path);
    const same = (!now && !seen) || (now && seen && now.pid === seen.pid && now.startedAt === seen.startedAt);
    if (same) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

function youngerThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}

/** Read a lock file's holder, if it parses. */
export function readHolder(path: string): LockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8"));
    if (typeof v?.pid === "number") return { pid: v.pid, startedAt: String(v.startedAt ?? "") };
  } catch {
    // missing or half-written
  }
  return undefined;
}

function releaseIfOurs(path: string, pid: number): void {
  const holder = readHolder(path);
  if (!holder || holder.pid === pid) rmSync(path, { force: true });
}
