import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { BosunError, ExitCode, type ExitCodeValue } from "../core/errors.ts";
import type { CliContext } from "./context.ts";
import { c, err, printJson } from "./output.ts";
import { selfCommand } from "./self.ts";

const READY_TIMEOUT_MS = 30_000;

/** Start the gateway as a background daemon and return once it reports ready (or its error). */
export async function detach(ctx: CliContext, configPath: string | null): Promise<void> {
  const [bin, ...pre] = selfCommand();
  const args = [...pre, "up", ...(configPath ? ["--config", resolve(configPath)] : [])];
  if (ctx.flags.verbose) args.push("--verbose");
  const child = spawn(bin!, args, {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
    cwd: ctx.cwd,
    env: { ...process.env, BOSUN_DAEMON_CHILD: "1" },
  });
  const line = await new Promise<string | null>((resolveLine) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => resolveLine(null), READY_TIMEOUT_MS);
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
  const msg = line ? (JSON.parse(line) as { ready?: boolean; pid?: number; error?: { code: string; message: string; hint: string | null; exitCode: number } }) : null;
  if (!msg || msg.error || !msg.ready) {
    const e = msg?.error;
    throw new BosunError(e?.code ?? "start_failed", e?.message ?? "the gateway exited before it was ready", {
      exitCode: (e?.exitCode as ExitCodeValue) ?? ExitCode.failed,
      hint: e?.hint ?? `see ${ctx.paths.log}`,
    });
  }
  if (ctx.flags.json) printJson({ ready: true, pid: msg.pid });
  else if (!ctx.flags.quiet) err(`${c.green("✓")} gateway running in the background (pid ${msg.pid}); \`bosun status\` to look, \`bosun down\` to stop`);
}
