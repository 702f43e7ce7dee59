import { defineCommand } from "citty";
import { notRunningError, readRunningRecord } from "../../core/control/client.ts";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { cleanStaleRun } from "../../core/stale-run.ts";
import { pidAlive } from "../../core/util/process.ts";
import { globalArgs } from "../args.ts";
import { cliContext, type CliContext } from "../context.ts";
import { runningGateway } from "../gateway-api.ts";
import { c, err, printJson } from "../output.ts";
import { removedList } from "../stale-cleanup.ts";
import { crashLines } from "../status-view.ts";

/**
 * How long `down` waits for the gateway to exit: its shutdown lets running turns finish for up to
 * [gateway] shutdown_timeout_ms (10 s), then stops the channels (each within its stop_timeout_ms, 5 s).
 */
const EXIT_WAIT_MS = 30_000;

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "down" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    const rec = readRunningRecord(ctx.paths);
    if (!rec) return notRunning(ctx);
    try {
      await runningGateway(ctx).shutdown();
    } catch {
      // The API may be wedged; the pid is ours to signal all the same.
      process.kill(rec.pid, "SIGTERM");
    }
    const started = Date.now();
    while (pidAlive(rec.pid)) {
      if (Date.now() - started > EXIT_WAIT_MS) {
        throw new BosunError("stop_timeout", `the gateway (pid ${rec.pid}) did not stop within ${EXIT_WAIT_MS / 1000} s`, { hint: `kill ${rec.pid}` });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (args.json) printJson({ stopped: true, pid: rec.pid });
    else if (!args.quiet) err(`${c.green("✓")} gateway stopped (pid ${rec.pid})`);
  },
});

/**
 * Nothing to stop. A gateway that crashed is said so (when it was last alive, its last log line)
 * and the files it left in run/ are removed as `up` removes them; the exit code stays 4 (not
 * running), so a script can tell "stopped it" from "it was already gone".
 */
function notRunning(ctx: CliContext): number {
  const cleaned = cleanStaleRun(ctx.paths);
  const { crash } = cleaned;
  const hint = crash ? "`bosun up` starts it again" : "nothing to stop";
  if (!crash) {
    if (cleaned.removed.length > 0 && !ctx.flags.json) err(`cleaned up after an earlier gateway: removed ${removedList(cleaned)}`);
    throw notRunningError(hint);
  }
  const message = "the gateway is not running: it crashed";
  if (ctx.flags.json) {
    printJson({
      stopped: false,
      error: { code: "not_running", message, hint },
      crash: { pid: crash.pid, lastAliveAt: crash.lastAliveAt, lastLog: crash.lastLog },
      removed: cleaned.removed.map((f) => `run/${f}`),
    });
  } else {
    const { gone, lastLog } = crashLines(crash.pid, crash);
    err(`${c.red("the gateway crashed:")} ${gone}`);
    if (lastLog) err(lastLog);
    if (cleaned.removed.length > 0) err(`cleaned up after it: removed ${removedList(cleaned)}`);
    err(`${c.dim("hint:")} ${hint}`);
  }
  return ExitCode.notRunning;
}
