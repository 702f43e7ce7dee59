import { defineCommand } from "citty";
import { ControlClient, readRunningRecord } from "../../core/control/client.ts";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { pidAlive } from "../../core/util/process.ts";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { c, err, printJson } from "../output.ts";

/** How long `down` waits for the gateway to exit (its own shutdown is bounded at 10 s). */
const EXIT_WAIT_MS = 15_000;

export default defineCommand({
  meta: { name: "down", description: "Stop the running gateway gracefully" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    const rec = readRunningRecord(ctx.paths);
    if (!rec) throw new BosunError("not_running", "the gateway is not running", { exitCode: ExitCode.notRunning, hint: "nothing to stop" });
    const client = ControlClient.connect(ctx.paths);
    try {
      await client.call("POST", "/v1/shutdown");
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
