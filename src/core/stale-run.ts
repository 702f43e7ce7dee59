import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { RunningRecord } from "./control/client.ts";
import { acquireLock } from "./lock.ts";
import type { Paths } from "./paths.ts";
import type { GatewayCrash, LogLine } from "./status.ts";
import { readJson, removeFile } from "./util/fsx.ts";
import { processAlive } from "./util/process.ts";

/** How much of the log's end is read for its last line. */
const TAIL_BYTES = 64 * 1024;
/** A last log line longer than this is cut (a stack trace is one record). */
const MAX_MESSAGE = 2_000;
/** How the headline of a runtime's crash report starts (Bun: "panic(main thread): ..."). */
const HEADLINE = /^(panic|fatal|error|uncaught|exception|segmentation)/i;

/** A gateway that ended without stopping: its running record is there, its process is not. */
export interface FoundCrash extends GatewayCrash {
  pid: number;
  startedAt: string | null;
}

/**
 * The crash the running record tells of, or null (no record, or its process still runs). The
 * gateway marks its record alive every `[gateway] heartbeat_ms` (heartbeat.ts), so the last sign
 * of life is the latest of the record's modification time, the log's last write and its last
 * record: the gateway died after that, within one heartbeat unless it was stalled.
 */
export function findCrash(paths: Paths): FoundCrash | null {
  const rec = readJson<Partial<RunningRecord>>(paths.record);
  if (!rec || typeof rec.pid !== "number" || processAlive(rec.pid, rec.procStart)) return null;
  const lastLog = lastLogLine(paths.log);
  // File times are coarse (a few ms): the last record's own time may be later still.
  const times = [mtimeMs(paths.record) ?? Date.now(), mtimeMs(paths.log) ?? 0, lastLog?.at ? Date.parse(lastLog.at) || 0 : 0];
  const lastAliveAt = new Date(Math.max(...times)).toISOString();
  return { pid: rec.pid, startedAt: typeof rec.startedAt === "string" ? rec.startedAt : null, lastAliveAt, lastLog };
}

/** What `cleanStaleRun` found and removed. */
export interface CleanedRun {
  /** File names removed from the run directory. */
  removed: string[];
  crash: FoundCrash | null;
}

/**
 * Remove the run files (record, socket, token, lock) a gateway left when it died without
 * stopping. Done under the gateway lock, so nothing a live or starting gateway owns is touched:
 * when the lock is held by a live process, nothing is removed.
 */
export function cleanStaleRun(paths: Paths): CleanedRun {
  const files = [paths.record, paths.socket, paths.token];
  const lockExisted = existsSync(paths.lock);
  if (!lockExisted && !files.some((f) => existsSync(f))) return { removed: [], crash: null };
  const crash = findCrash(paths);
  const rec = readJson<Partial<RunningRecord>>(paths.record);
  if (rec && typeof rec.pid === "number" && processAlive(rec.pid, rec.procStart)) return { removed: [], crash: null };
  const lock = acquireLock(paths.lock);
  if (!lock.ok) return { removed: [], crash: null };
  try {
    // We could take the lock, so one that was there belonged to a process that is gone.
    const removed = lockExisted ? [basename(paths.lock)] : [];
    for (const f of files) {
      if (!existsSync(f)) continue;
      removeFile(f);
      removed.push(basename(f));
    }
    return { removed, crash };
  } finally {
    lock.release();
  }
}

/** The log's last line: its last JSON record, or the headline of runtime output written after it. */
export function lastLogLine(file: string): LogLine | null {
  const lines = readTail(file)
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  let end = lines.length;
  while (end > 0 && parseRecord(lines[end - 1]!) === null) end--;
  if (end === lines.length) return lines.length === 0 ? null : parseRecord(lines[end - 1]!);
  // Text after the last record is the runtime's own output (e.g. a crash report): pick its headline.
  const raw = lines.slice(end);
  const pick = raw.find((l) => HEADLINE.test(l.trim())) ?? raw.at(-1)!;
  return { at: null, level: null, tag: null, message: clip(pick.trim()) };
}

function parseRecord(line: string): LogLine | null {
  if (!line.startsWith("{")) return null;
  try {
    const v = JSON.parse(line) as Record<string, unknown>;
    if (typeof v.message !== "string") return null;
    const str = (x: unknown) => (typeof x === "string" ? x : null);
    return { at: str(v.at), level: str(v.level), tag: str(v.tag), message: clip(v.message) };
  } catch {
    return null;
  }
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/** The last TAIL_BYTES of a file as text, without a partial first line; "" when unreadable. */
function readTail(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return "";
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    const text = buf.subarray(0, n).toString("utf8");
    return start === 0 ? text : text.slice(text.indexOf("\n") + 1);
  } finally {
    closeSync(fd);
  }
}

function mtimeMs(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}
