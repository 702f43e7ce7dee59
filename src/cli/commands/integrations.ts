import { defineCommand } from "citty";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { DEFAULT_ACTIVE_TIMEOUT_MS, waitForActive } from "../../core/integrations/composio/await-active.ts";
import { systemClock } from "../../core/util/clock.ts";
import { escapeControls } from "../../core/util/text.ts";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { gatewayApi } from "../gateway-api.ts";
import { renderIntegrations, renderTools } from "../integrations-view.ts";
import { c, err, out, printJson } from "../output.ts";

const lsArgs = {
  ...globalArgs,
  refresh: { type: "boolean", description: "Drop the cache and list every source again" },
} as const;

const ls = defineCommand({
  meta: { name: "ls", description: "Every tool source: state, tools offered, cache age, and why anything is not offered (the default)" },
  args: lsArgs,
  async run({ args }) {
    const { api, running } = gatewayApi(cliContext(args));
    if (!running && !args.json) err(c.dim("no gateway running: the sources are started in this process to ask them"));
    const report = await api.integrations(args.refresh ? { refresh: true } : {});
    if (args.json) printJson(report);
    else out(renderIntegrations(report));
  },
});

const tools = defineCommand({
  meta: { name: "tools", description: "Tools exactly as the model receives them, and every one it does not with why" },
  args: { ...globalArgs, source: { type: "positional", required: false, description: "Only this source: an MCP server's name, composio, or composio:TOOLKIT", valueHint: "SOURCE" } },
  async run({ args }) {
    const { api } = gatewayApi(cliContext(args));
    const list = await api.integrationTools(args.source ? { source: String(args.source) } : {});
    if (args.json) printJson(list);
    else out(renderTools(list));
  },
});

const toolkitArg = { toolkit: { type: "positional", required: true, description: "A Composio toolkit slug, e.g. gmail", valueHint: "TOOLKIT" } } as const;

const connect = defineCommand({
  meta: { name: "connect", description: "Connect a Composio toolkit: prints the authorisation URL and waits (up to 60 s) for the account to become active" },
  args: { ...globalArgs, ...toolkitArg, wait: { type: "boolean", default: true, description: "Wait for the account to become active", negativeDescription: "Print the URL and return" } },
  async run({ args }) {
    const toolkit = String(args.toolkit).trim().toLowerCase();
    const { api } = gatewayApi(cliContext(args));
    const row = `composio:${toolkit}`;
    const isActive = async () => (await api.integrations({ source: row })).sources.some((s) => s.name === row && s.state === "ok");
    // A second flow would add a second account for the same toolkit; say so instead.
    if (await isActive()) {
      if (args.json) printJson({ toolkit, redirectUrl: null, accountId: null, active: true, already: true });
      else err(`${escapeControls(toolkit)} is already connected (\`bosun integrations disconnect ${escapeControls(toolkit)}\` first to connect another account)`);
      return ExitCode.ok;
    }
    const started = await api.integrationConnect({ toolkit });
    if (!args.json) {
      out(`Open this URL to connect ${escapeControls(toolkit)}:`);
      out(`  ${escapeControls(started.redirectUrl)}`);
    }
    if (!args.wait) {
      if (args.json) printJson({ ...started, active: false });
      return ExitCode.ok;
    }
    if (!args.json) err(c.dim(`waiting for ${toolkit} to become active (up to ${DEFAULT_ACTIVE_TIMEOUT_MS / 1000} s; Ctrl-C stops waiting, the authorisation still completes)...`));
    // Each check is a listing of connections: it also drops the agent's stale cache entry (semantics §6).
    const active = await waitForActive(isActive, systemClock, {}, new AbortController().signal);
    if (args.json) printJson({ ...started, active });
    if (!active) {
      throw new BosunError("integration_failed", `${toolkit} is not active yet after ${DEFAULT_ACTIVE_TIMEOUT_MS / 1000} s`, { hint: "finish the authorisation in the browser; `bosun integrations` shows it once it is active" });
    }
    if (!args.json) err(`${c.green("✓")} ${escapeControls(toolkit)} is connected; its tools are offered from the next turn`);
    return ExitCode.ok;
  },
});

const disconnect = defineCommand({
  meta: { name: "disconnect", description: "Remove the Composio user's connected accounts of a toolkit" },
  args: { ...globalArgs, ...toolkitArg },
  async run({ args }) {
    const toolkit = String(args.toolkit).trim().toLowerCase();
    const done = await gatewayApi(cliContext(args)).api.integrationDisconnect({ toolkit });
    if (args.json) printJson({ toolkit, ...done });
    else err(done.removed === 0 ? `${escapeControls(toolkit)} had no connected account` : `${c.green("✓")} ${escapeControls(toolkit)} disconnected (${done.removed} account${done.removed === 1 ? "" : "s"} removed)`);
    return ExitCode.ok;
  },
});

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "integrations" },
  args: lsArgs,
  subCommands: { ls, tools, connect, disconnect },
  default: "ls",
});
