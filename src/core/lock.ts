import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
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
    // An unreadable lock that was just created is being written by its owner right now.
    if (!holder && youngerThan(path, 2_000)) return { ok: false, holder: { pid: 0, startedAt: "" } };
    takeOverStale(path, holder);
  }
  return { ok: false, holder: readHolder(path) ?? { pid: 0, startedAt: "" } };
}

function tryCreate(path: string, pid: number, now: () => string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify({ pid, startedAt: now() }));
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
