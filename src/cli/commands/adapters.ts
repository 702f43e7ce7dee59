import { defineCommand } from "citty";
import type { AdapterStatus } from "../../core/status.ts";
import { ExitCode } from "../../core/errors.ts";
import { adapterNameArg, globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { formatDuration, formatRetry } from "../../core/format.ts";
import { c, err, out, printJson, stateColor } from "../output.ts";
import { configFailure, gatewayApi, runningGateway } from "../gateway-api.ts";

/** One table row per adapter, for people. */
export function renderAdapters(list: AdapterStatus[], gatewayRunning: boolean, now = Date.now()): string {
  if (list.length === 0) return c.dim("no adapters configured (add [adapters.NAME] tables to bosun.toml)");
  const w = Math.max(4, ...list.map((a) => a.name.length));
  const kw = Math.max(4, ...list.map((a) => a.kind.length));
  const head = `${"NAME".padEnd(w)}  ${"KIND".padEnd(kw)}  STATE     RESTARTS  FOR       DETAIL`;
  const rows = list.map((a) => {
    const forMs = gatewayRunning && a.since !== null ? formatDuration(now - Date.parse(a.since)) : "—";
    let detail = "";
    if (a.nextRetryAt && (a.state === "backoff" || a.state === "failed")) detail = formatRetry(a.nextRetryAt, now) ?? "";
    if (a.lastError) detail = `${detail ? detail + " · " : ""}${c.red(a.lastError)}`;
    return `${a.name.padEnd(w)}  ${a.kind.padEnd(kw)}  ${stateColor(a.state)(a.state.padEnd(8))}  ${String(a.restarts).padEnd(8)}  ${forMs.padEnd(8)}  ${detail}`;
  });
  return [c.bold(head), ...rows].join("\n");
}

const ls = defineCommand({
  meta: { name: "ls", description: "List adapters with state, restarts and last error (the default)" },
  args: { ...globalArgs },
  async run({ args }) {
    const status = await gatewayApi(cliContext(args)).api.status();
    // No gateway and a broken file: the adapters it would list are unknown, which is not "none".
    const broken = configFailure(status);
    if (broken) throw broken;
    if (args.json) printJson(status.adapters);
    else {
      if (status.gateway.state !== "running") err(c.dim("gateway not running: showing the configured adapters"));
      out(renderAdapters(status.adapters, status.gateway.state === "running"));
    }
  },
});


function action(verb: "restart" | "stop" | "start", description: string) {
  return defineCommand({
    meta: { name: verb, description },
    args: { ...globalArgs, ...adapterNameArg },
    async run({ args }) {
      const ctx = cliContext(args);
      const name = String(args.name);
      const r = await runningGateway(ctx).adapter(verb, name);
      if (args.json) {
        printJson(r);
        return r.outcome === "failed" ? ExitCode.failed : ExitCode.ok;
      }
      const a = r.adapter;
      const state = a ? stateColor(a.state)(a.state) : r.outcome;
      if (r.outcome === "still-starting") err(`${c.yellow("…")} ${name} is still starting; \`bosun adapters\` shows when it is up`);
      else if (r.outcome === "failed") {
        err(`${c.red("✗")} ${name} is ${state}${a?.lastError ? `: ${a.lastError}` : ""}; retrying in the background`);
        return ExitCode.failed;
      } else err(`${c.green("✓")} ${name} is ${state}`);
      return ExitCode.ok;
    },
  });
}

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "adapters" },
  args: { ...globalArgs },
  subCommands: {
    ls,
    restart: action("restart", "Reconnect an adapter now (also starts a stopped one)"),
    stop: action("stop", "Stop an adapter; it stays stopped until started or its config changes"),
    start: action("start", "Start a stopped adapter"),
  },
  // `bosun adapters` alone is `bosun adapters ls`.
  default: "ls",
});
