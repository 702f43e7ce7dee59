import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
// One free-port helper for the tests and the benchmarks.
import { freePort } from "../test/helpers/bosun.ts";

export { freePort };

/** Round to two decimals so the JSON stays readable. */
export const round = (n: number): number => Math.round(n * 100) / 100;

/** Nearest-rank percentile (p in 0..100) of a sample; NaN for an empty one. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** {median, p90} of a sample of milliseconds. */
export function summary(values: number[]): { median: number; p90: number; runs: number } {
  return { median: round(percentile(values, 50)), p90: round(percentile(values, 90)), runs: values.length };
}

/** Progress goes to stderr so stdout carries only the JSON result. */
export const progress = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

export interface RunResult {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a program to completion, timing its wall clock with performance.now(). */
export function timedRun(bin: string, args: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs?: number }): RunResult {
  const t0 = performance.now();
  const r = spawnSync(bin, args, { cwd: opts.cwd, env: opts.env, encoding: "utf8", timeout: opts.timeoutMs ?? 30_000 });
  const ms = performance.now() - t0;
  return { ms, code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Like timedRun, but throws with the program's output when it exits non-zero. */
export function mustRun(bin: string, args: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs?: number }): RunResult {
  const r = timedRun(bin, args, opts);
  if (r.code !== 0) throw new Error(`\`bosun ${args.join(" ")}\` exited ${r.code}\nstdout: ${r.stdout.trim()}\nstderr: ${r.stderr.trim()}`);
  return r;
}

/** Resident set size of `pid` in MB, from VmRSS in /proc/PID/status. */
export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** utime+stime of `pid` in clock ticks, from /proc/PID/stat (fields 14 and 15). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces; fields after it start past the last ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(rest[11]) + Number(rest[12]);
}

/** Clock ticks per second (getconf CLK_TCK), 100 if getconf is unavailable. */
export function clockTicks(): number {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `n` distinct TCP ports that were free a moment ago on 127.0.0.1. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * Idle figures of `pid` over `ms`: CPU % from (utime+stime) growth divided by CLK_TCK and the
 * window's wall time, and VmRSS at the end of the window.
 */
export async function idleWindow(pid: number, ms: number): Promise<{ cpuPercent: number; rssMb: number }> {
  const hz = clockTicks();
  const ticks0 = cpuTicks(pid);
  const t0 = performance.now();
  await sleep(ms);
  const cpuPercent = round((((cpuTicks(pid) - ticks0) / hz) * 1000 * 100) / (performance.now() - t0));
  return { cpuPercent, rssMb: round(rssMb(pid)) };
}
