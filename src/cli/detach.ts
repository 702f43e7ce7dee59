import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { BosunError, ExitCode, type ExitCodeValue } from "../core/errors.ts";
import { ensurePrivateDir } from "../core/util/fsx.ts";
import type { CliContext } from "./context.ts";
import { selfCommand } from "./self.ts";
import { reportStart, type AdapterStart } from "./start-report.ts";

/** Beyond the adapters' first-start wait: opening the database, the control API, the installs. */
const READY_MARGIN_MS = 20_000;

/** What the daemon child reports on its stdout, as one JSON line. */
interface ReadyLine {
  ready?: boolean;
  pid?: number;
  adapters?: AdapterStart[];
  error?: { code: string; message: string; hint: string | null; exitCode: number };
}

/**
 * Start the gateway as a background daemon and return once it reports ready (or its error),
 * saying which adapters did not start. The exit code is reportStart's.
 */
export async function detach(ctx: CliContext, configPath: string | null, firstStartTimeoutMs: number, extra: string[] = []): Promise<number> {
  const [bin, ...pre] = selfCommand();
  const args = [...pre, "up", ...(configPath ? ["--config", resolve(configPath)] : []), ...extra];
  if (ctx.flags.verbose) args.push("--verbose");
  // The daemon's stderr is the log file: whatever the runtime itself prints when it dies (a
  // crash report, a fatal error) is kept there, after the gateway's own records.
  ensurePrivateDir(ctx.paths.logsDir);
  const logFd = openSync(ctx.paths.log, "a", 0o600);
  let child: ChildProcess;
  try {
    chmodSync(ctx.paths.log, 0o600);
    child = spawn(bin!, args, {
      detached: true,
      stdio: ["ignore", "pipe", logFd],
      cwd: ctx.cwd,
      env: { ...process.env, BOSUN_DAEMON_CHILD: "1" },
    });
  } finally {
    closeSync(logFd);
  }
  const line = await new Promise<string | null>((resolveLine) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => resolveLine(null), firstStartTimeoutMs + READY_MARGIN_MS);
    rl.once("line", (l) => {
      clearTimeout(timer);
      rl.close();
      resolveLine(l);
    });
    child.once("exit", () => {
      clearTimeout(timer);
      resolveLine(null);
    });
  });
  child.stdout?.destroy();
  child.unref();
  const msg = line ? parseReady(line) : null;
  if (!msg || msg.error || !msg.ready) {
    const e = msg?.error;
    throw new BosunError(e?.code ?? "start_failed", e?.message ?? "the gateway exited before it was ready", {
      exitCode: (e?.exitCode as ExitCodeValue) ?? ExitCode.failed,
      hint: e?.hint ?? `see ${ctx.paths.log}`,
    });
  }
  return reportStart(ctx, msg.pid ?? child.pid ?? 0, msg.adapters ?? [], "background");
}

function parseReady(line: string): ReadyLine | null {
  try {
    const v = JSON.parse(line) as unknown;
    return v !== null && typeof v === "object" ? (v as ReadyLine) : null;
  } catch {
    return null;
  }
}
