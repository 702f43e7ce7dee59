import { defineCommand } from "citty";
import { ControlClient } from "../../core/control/client.ts";
import { BosunError, ExitCode } from "../../core/errors.ts";
import type { InstallStatus } from "../../core/status.ts";
import { globalArgs } from "../args.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext } from "../context.ts";
import { openInstaller } from "../installer-context.ts";
import { c, err, printJson, write } from "../output.ts";
import { isTerminal, ProgressView } from "../progress.ts";

const POLL_MS = 200;

export default defineCommand({
  meta: { name: "install", description: "Install models and voices, e.g. `bosun install whisper:base.en piper:en_US-lessac-medium`" },
  args: {
    ...globalArgs,
    targets: { type: "positional", required: true, description: "One or more targets (engine:id); `bosun catalog` lists them", valueHint: "TARGET..." },
    force: { type: "boolean", description: "Download again even if installed" },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const targets = [...new Set((args._ as string[]).filter(Boolean))];
    if (targets.length === 0) throw new BosunError("usage", "name at least one target", { exitCode: ExitCode.usage, hint: "e.g. `bosun install whisper:base.en`; `bosun catalog` lists them" });
    const installer = openInstaller(ctx, loadForCli(ctx));
    for (const t of targets) installer.entry(t);
    const mode = args.json ? "json" : process.stderr.isTTY ? "tty" : "lines";
    const view = new ProgressView(mode, (s) => write(mode === "json" ? "stdout" : "stderr", s));
    const note = (s: string) => mode !== "json" && !args.quiet && err(s);

    let client: ControlClient | null = null;
    try {
      client = ControlClient.connect(ctx.paths);
    } catch {
      // No gateway: install in this process, under the same guard.
    }
    const mine: string[] = [];
    // A job of ours that ends wakes the follow loop at once rather than at the next poll.
    let wake: () => void = () => {};
    if (client) {
      note(c.dim("installing through the running gateway"));
      const r = await client.call<{ installs: Array<{ started: boolean; status: InstallStatus; holderPid: number | null }> }>("POST", "/v1/installs", { targets, force: !!args.force });
      for (const x of r.installs) record(x.status.target, x.started, x.status, x.holderPid);
    } else {
      for (const t of targets) {
        const r = await installer.request(t, { force: !!args.force });
        if (r.started) void r.done.then(() => wake());
        record(t, r.started, r.status, r.started ? null : r.holderPid);
      }
    }
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
      if (client) for (const t of mine) void client.call("POST", "/v1/installs/cancel", { target: t }).catch(() => undefined);
      else void installer.cancelAll();
    };
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onInterrupt);

    let statuses: InstallStatus[] = [];
    for (;;) {
      statuses = await Promise.all(targets.map((t) => installer.status(t)));
      view.update(statuses);
      if (statuses.every(isTerminal)) break;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, POLL_MS);
      });
    }
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    const failed = statuses.filter((s) => s.state !== "installed");
    if (args.json) printJson({ type: "result", ok: failed.length === 0, installs: statuses });
    if (failed.length > 0) process.exitCode = cancelled ? 130 : ExitCode.failed;
  },
});
