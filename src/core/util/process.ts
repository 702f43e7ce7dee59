import { readFileSync } from "node:fs";

/**
 * True when a process with this pid exists and has not exited. Signal 0 probes without touching
 * it; on Linux a zombie (exited, not yet reaped — e.g. a detached daemon whose reaper is slow)
 * also counts as gone.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return !isZombie(pid);
}

/**
 * When a process started, in clock ticks since boot (field 22 of `/proc/<pid>/stat`); null where
 * unknown (not Linux, or no such process). Unlike a wall-clock time it doesn't move when the
 * clock is set, and together with the pid it names one process: a pid reused after the owner
 * died (or after a reboot) has another start.
 */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name start at field 3 (the state).
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[22 - 3]);
    return Number.isSafeInteger(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** Our own start, computed once. */
export const ownStartTicks: number | null = processStartTicks(process.pid);

/**
 * True when `pid` is alive and, if `startTicks` was recorded with it, is still the same process
 * (not a reuse of the pid by an unrelated one).
 */
export function processAlive(pid: number, startTicks: number | null | undefined): boolean {
  if (!pidAlive(pid)) return false;
  if (typeof startTicks !== "number") return true;
  const now = processStartTicks(pid);
  return now === null || now === startTicks;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state letter follows the parenthesised command name, which may itself contain spaces.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}

/** Block this thread for `ms` (brief waits in code that must stay synchronous, such as lock contention). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
