import { defineCommand } from "citty";
import { BosunError, ExitCode } from "../../core/errors.ts";
import type { GatewayApi } from "../../core/control/api.ts";
import type { InstallStatus } from "../../core/status.ts";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { gatewayApi } from "../gateway-api.ts";
import { c, err, printJson, write } from "../output.ts";
import { isTerminal, ProgressView } from "../progress.ts";

const POLL_MS = 200;

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "install" },
  args: {
    ...globalArgs,
    targets: { type: "positional", required: true, description: "One or more targets (engine:id); `bosun catalog` lists them", valueHint: "TARGET..." },
    force: { type: "boolean", description: "Download again even if installed" },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const targets = [...new Set((args._ as string[]).filter(Boolean))];
    if (targets.length === 0) throw new BosunError("usage", "name at least one target", { exitCode: ExitCode.usage, hint: "e.g. `bosun install whisper:base.en`; `bosun catalog` lists them" });
    const mode = args.json ? "json" : process.stderr.isTTY ? "tty" : "lines";
    const view = new ProgressView(mode, (s) => write(mode === "json" ? "stdout" : "stderr", s));
    const note = (s: string) => mode !== "json" && !args.quiet && err(s);

    // Through the running gateway, or (none running) in this process under the same guard; an
    // unknown target is refused before anything starts.
    const { api, running } = gatewayApi(ctx);
    const mine: string[] = [];
    if (running) note(c.dim("installing through the running gateway"));
    const r = await api.install({ targets, force: !!args.force });
    r.installs.forEach((x, i) => record(targets[i]!, x.started, x.status, x.holderPid));
    // The last status of each target: the request's answer until the API has another.
    const latest = new Map(r.installs.map((x, i) => [targets[i]!, x.status]));
    function record(target: string, started: boolean, status: InstallStatus, holderPid: number | null) {
      if (started) mine.push(target);
      else if (status.state === "installed") note(`${target}: already installed ${c.dim("(--force reinstalls)")}`);
      else note(`${target}: already being installed${holderPid ? ` by pid ${holderPid}` : ""}; following its progress`);
    }

    let cancelled = false;
    const onInterrupt = () => {
      if (cancelled) process.exit(130);
      cancelled = true;
      note(c.yellow("cancelling; the partial download is kept and the next install resumes it"));
      for (const t of mine) void api.cancelInstall({ target: t }).catch(() => undefined);
    };
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onInterrupt);

    let statuses: InstallStatus[] = [];
    for (;;) {
      statuses = await followInstalls(api, targets, latest);
      view.update(statuses);
      if (statuses.every(isTerminal)) break;
      await new Promise<void>((r) => setTimeout(r, POLL_MS));
    }
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    const failed = statuses.filter((s) => s.state !== "installed");
    if (args.json) printJson({ type: "result", ok: failed.length === 0, installs: statuses });
    if (failed.length > 0) return cancelled ? 130 : ExitCode.failed;
    return ExitCode.ok;
  },
});

/**
 * The targets' statuses, asked of the API by name: each comes back whether or not it has a row,
 * reconciled with its lock (a holder that died before its first write reads as it really is).
 */
async function followInstalls(api: GatewayApi, targets: string[], latest: Map<string, InstallStatus>): Promise<InstallStatus[]> {
  const rows = new Map((await api.installs({ targets })).map((s) => [s.target, s]));
  return targets.map((t) => {
    const s = rows.get(t) ?? latest.get(t)!;
    latest.set(t, s);
    return s;
  });
}
