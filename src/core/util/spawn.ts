/**
 * One subprocess run with everything bounded: its run time (SIGKILL at the timeout), an abort
 * signal, how much of its stdout is kept (past the cap it is killed) and a tail of its stderr. The
 * sidecar's runs, its `--version` probe and ffmpeg all go through here; callers turn the exit into
 * their own errors.
 */
import { spawn } from "node:child_process";

export interface BoundedOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Written to stdin, which is then closed; stdin is /dev/null when absent. */
  stdin?: Uint8Array;
  /** Keep stdout up to this many bytes; one byte more kills the process (stopped "overflow"). Absent: stdout is ignored. */
  maxStdout?: number;
  /** Stdout joins the stderr text instead (a `--version` that may print on either). */
  stdoutAsText?: boolean;
  /** How many characters at the end of stderr are kept. */
  keepText?: number;
  env?: Record<string, string | undefined>;
}

export interface BoundedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why we stopped it, when we did. */
  stopped: "timeout" | "abort" | "overflow" | null;
  /** What was kept of stdout (with maxStdout). */
  stdout: Buffer;
  /** How many stdout bytes it wrote in all (more than kept when it overflowed). */
  stdoutBytes: number;
  /** The end of stderr (and of stdout with stdoutAsText), as text. */
  text: string;
}

/** Run `cmd`; resolves when it has exited, rejects only when it cannot be started (the spawn error). */
export function spawnBounded(cmd: string, args: string[], o: BoundedOptions): Promise<BoundedExit> {
  const empty: BoundedExit = { code: null, signal: null, stopped: "abort", stdout: Buffer.alloc(0), stdoutBytes: 0, text: "" };
  if (o.signal?.aborted) return Promise.resolve(empty);
  const keep = o.keepText ?? 4096;
  return new Promise<BoundedExit>((resolve, reject) => {
    const wantStdout = o.maxStdout !== undefined || o.stdoutAsText === true;
    const child = spawn(cmd, args, { stdio: [o.stdin ? "pipe" : "ignore", wantStdout ? "pipe" : "ignore", "pipe"], ...(o.env ? { env: o.env } : {}) });
    const chunks: Buffer[] = [];
    let stdoutBytes = 0;
    let text = "";
    let stopped: BoundedExit["stopped"] = null;
    const stop = (why: NonNullable<BoundedExit["stopped"]>) => {
      stopped ??= why;
      child.kill("SIGKILL");
    };
    const addText = (d: Buffer) => {
      text = (text + d.toString("utf8")).slice(-keep);
    };
    child.stdout?.on("data", (c: Buffer) => {
      if (o.stdoutAsText) return addText(c);
      stdoutBytes += c.length;
      if (stdoutBytes > (o.maxStdout ?? 0)) return stop("overflow");
      chunks.push(c);
    });
    child.stderr!.on("data", addText);
    const timer = setTimeout(() => stop("timeout"), o.timeoutMs);
    const onAbort = () => stop("abort");
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (err) => {
      settle();
      reject(err);
    });
    child.on("close", (code, signal) => {
      settle();
      resolve({ code, signal, stopped, stdout: Buffer.concat(chunks), stdoutBytes, text });
    });
    if (o.stdin && child.stdin) {
      // It may stop reading early (it found the input unreadable): that is its exit code's story.
      child.stdin.on("error", () => undefined);
      child.stdin.end(o.stdin);
    }
  });
}
