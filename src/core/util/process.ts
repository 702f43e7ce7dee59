import { readFileSync } from "node:fs";

/**
 * True when a process with this pid exists and has not exited. Signal 0 probes without touching
 * it; on Linux a zombie (exited, not yet reaped — e.g. a detached daemon whose reaper is slow)
 * also counts as gone.
 */
export function pidAlive(pid: number): boolean {
  return processAlive(pid, null);
}

/**
 * True when `pid` is alive (as `pidAlive`) and, if `startTicks` was recorded with it, is still the
 * same process: not a reuse of the pid by an unrelated one after the owner died or a reboot.
 */
export function processAlive(pid: number, startTicks: number | null | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const fields = procStat(pid);
  if (!fields) return true; // no /proc: signal 0 is all there is to know
  if (fields[0] === "Z") return false;
  const ticks = startTicksOf(fields);
  return typeof startTicks !== "number" || ticks === null || ticks === startTicks;
}

/**
 * When a process started, in clock ticks since boot; null where unknown (not Linux, or no such
 * process). Unlike a wall-clock time it doesn't move when the clock is set, and together with the
 * pid it names one process: a pid reused later has another start.
 */
export function processStartTicks(pid: number): number | null {
  const fields = procStat(pid);
  return fields ? startTicksOf(fields) : null;
}

/** Our own start, computed once. */
export const ownStartTicks: number | null = processStartTicks(process.pid);

/** Block this thread for `ms` (brief waits in code that must stay synchronous, such as lock contention). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The fields of `/proc/<pid>/stat` from field 3 (the state) on, or null (not Linux, no such
 * process). They follow the parenthesised command name, which may itself contain spaces.
 */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Field 22 of the stat line: the start time in clock ticks since boot. */
function startTicksOf(fields: string[]): number | null {
  const ticks = Number(fields[22 - 3]);
  return Number.isSafeInteger(ticks) ? ticks : null;
}
