import { defineCommand } from "citty";
import { readRunningRecord } from "../../core/control/client.ts";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { lastStopVerdict, readLastStop, type RestoreResult } from "../../core/sessions/last-stop.ts";
import { describeLastStop } from "../restore-prompt.ts";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { runningGateway } from "../gateway-api.ts";
import { c, err, printJson } from "../output.ts";
import { escapeControls } from "../../core/util/text.ts";

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "restore" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    if (!readRunningRecord(ctx.paths)) {
      // Restoring is answering, and only a gateway answers; a start with --restore does both.
      const v = lastStopVerdict(readLastStop(ctx.paths.lastStop));
      const what = v.kind === "hold" ? `${describeLastStop(v.record)} wait` : "nothing waits";
      throw new BosunError("not_running", `the gateway is not running (${what})`, { exitCode: ExitCode.notRunning, hint: "`bosun up --restore` starts it and answers what the last `bosun down` left" });
    }
    const r = await runningGateway(ctx).restore();
    if (args.json) printJson(r);
    else if (!args.quiet || r.failed.length > 0) report(r);
    return r.failed.length > 0 ? ExitCode.failed : ExitCode.ok;
  },
});

function report(r: RestoreResult): void {
  if (!r.found && r.restored.length === 0) err("nothing to restore: the last `bosun down` left no message waiting");
  else if (r.restored.length > 0 || r.failed.length === 0) {
    err(`${c.green("✓")} restored ${r.restored.length} session${r.restored.length === 1 ? "" : "s"}: ${r.queued} waiting message${r.queued === 1 ? "" : "s"} being answered`);
  }
  for (const f of r.failed) err(`${c.red("✗")} ${escapeControls(f.key)}: ${escapeControls(f.error ?? "not restored")} (kept for the next \`bosun restore\`)`);
}
