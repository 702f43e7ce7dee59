import { defineCommand } from "citty";
import { Gateway } from "../../core/gateway.ts";
import { ConfigError, BosunError, ExitCode } from "../../core/errors.ts";
import { globalArgs } from "../args.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext, type CliContext } from "../context.ts";
import { c, err, formatLog } from "../output.ts";
import { VERSION } from "../version.ts";
import { detach } from "../detach.ts";
import { cleanUpStaleRun } from "../stale-cleanup.ts";
import { exitOnCrash } from "../crash.ts";
import { redactStderr } from "../redact-stderr.ts";
import { adapterStarts, reportStart } from "../start-report.ts";
import { lastStopVerdict, readLastStop, type LastStop } from "../../core/sessions/last-stop.ts";
import { askRestore, describeLastStop } from "../restore-prompt.ts";

/** Set in the environment of the background process `up --detach` spawns. */
export const DAEMON_ENV = "BOSUN_DAEMON_CHILD";
/** Hard bound on shutdown after a signal (product: graceful within 10 s). */
const SIGNAL_EXIT_MS = 10_000;

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "up" },
  args: {
    ...globalArgs,
    detach: { type: "boolean", alias: "d", description: "Run in the background; returns once the gateway is ready" },
    restore: { type: "boolean", description: "Answer what the last `bosun down` left waiting, without asking (otherwise held until `bosun restore`)" },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const daemon = ctx.env[DAEMON_ENV] === "1";
    if (daemon) return runDaemonChild(ctx, args.restore === true);
    const loaded = loadForCli(ctx);
    cleanUpStaleRun(ctx);
    const held = lastStopVerdict(readLastStop(ctx.paths.lastStop));
    let restore = args.restore === true;
    if (args.detach) {
      // The daemon logs these to its file; the person starting it must see them here.
      const { exposureWarnings } = await import("../../core/config/exposure.ts");
      if (!ctx.flags.quiet && !ctx.flags.json) for (const w of exposureWarnings(loaded.config)) err(`${c.yellow("warning:")} ${w.message}`);
      const code = await detach(ctx, loaded.path, loaded.config.gateway.first_start_timeout_ms, restore ? ["--restore"] : []);
      // The daemon logs the hold to its file; the person starting it must see it here.
      if (held.kind === "hold" && !restore && !ctx.flags.quiet) err(heldLine(held.record));
      return code;
    }
    const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !args.json;
    // A terminal asks (one keypress); otherwise the gateway's log says the sessions are held and how to restore them.
    if (interactive && held.kind === "hold" && !restore) restore = await askRestore(held.record);
    const gateway = newGateway(ctx, loaded, restore);
    if (!interactive) printLogs(gateway, ctx);
    handleSignals(gateway);
    exitOnCrash(gateway.log);
    await gateway.start();
    // In the foreground the gateway goes on running whatever the adapters did; the dashboard shows them.
    if (!interactive) reportStart(ctx, process.pid, adapterStarts(gateway.snapshot(), (t) => gateway.redactor.apply(t)), "foreground");
    if (interactive) {
      const { runInProcessDashboard } = await import("../dashboard-run.ts");
      // The start-up log lines reach it as the bus's recent records, as they would reach an attached one.
      await runInProcessDashboard(gateway);
      await gateway.stop("dashboard closed");
    }
    await gateway.stopped;
  },
});

function newGateway(ctx: CliContext, loaded: ReturnType<typeof loadForCli>, restore: boolean): Gateway {
  const level = ctx.flags.verbose ? 4 : ctx.flags.quiet ? 1 : 3;
  return new Gateway({ home: ctx.paths.home, loaded, env: ctx.env, version: VERSION, logLevel: level, restore });
}

/** The one line a start without --restore prints when the last `bosun down` left sessions waiting. */
function heldLine(r: LastStop): string {
  return `${c.yellow("held:")} ${describeLastStop(r)} from the last \`bosun down\`; \`bosun restore\` answers them`;
}

/** Foreground without a dashboard: log records on stderr (JSON lines with --json). */
function printLogs(gateway: Gateway, ctx: CliContext): void {
  gateway.bus.onType("log", (e) => {
    if (ctx.flags.json) err(JSON.stringify({ at: e.at, level: e.level, tag: e.tag, message: e.message }));
    else err(formatLog(e.level, e.tag, e.message, e.at));
  });
}

function handleSignals(gateway: Gateway): void {
  let signalled = false;
  const onSignal = (sig: string) => {
    // A second signal means the user insists: leave now.
    if (signalled) process.exit(ExitCode.failed);
    signalled = true;
    setTimeout(() => process.exit(ExitCode.failed), SIGNAL_EXIT_MS).unref();
    void gateway.stop(sig);
  };
  // `on`, not `once`: Ink's signal-exit re-raises the signal (killing us mid-shutdown) when it
  // finds no other listener left.
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}

/**
 * The background process of `up --detach`: reports readiness (with each adapter's first start) or
 * the start error as one JSON line on stdout for the parent, then logs only to the log file. Its
 * stderr is the log file too (detach.ts), so even the runtime's own crash report lands there; what
 * JavaScript writes to stderr (a library, a runtime warning) goes through the gateway's redactor.
 */
async function runDaemonChild(ctx: CliContext, restore: boolean): Promise<number> {
  process.on("SIGHUP", () => {});
  const report = (v: unknown) => new Promise<void>((r) => process.stdout.write(JSON.stringify(v) + "\n", () => r()));
  try {
    const gateway = newGateway(ctx, loadForCli(ctx), restore);
    redactStderr((t) => gateway.redactor.apply(t));
    handleSignals(gateway);
    exitOnCrash(gateway.log);
    await gateway.start();
    await report({ ready: true, pid: process.pid, adapters: adapterStarts(gateway.snapshot(), (t) => gateway.redactor.apply(t)) });
    await gateway.stopped;
    return ExitCode.ok;
  } catch (e) {
    const info =
      e instanceof BosunError
        ? { code: e.code, message: e instanceof ConfigError ? `${e.location}: ${e.message}` : e.message, hint: e.hint ?? null, exitCode: e.exitCode }
        : { code: "internal", message: String(e), hint: null, exitCode: ExitCode.failed };
    await report({ error: info });
    return info.exitCode;
  }
}


