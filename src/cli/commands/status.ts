import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { ControlClient } from "../../core/control/client.ts";
import { BosunError, ConfigError } from "../../core/errors.ts";
import type { Status } from "../../core/status.ts";
import { findCrash } from "../../core/stale-run.ts";
import { storedStatus } from "../../core/stored-status.ts";
import { globalArgs } from "../args.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext, type CliContext } from "../context.ts";
import { out, printJson } from "../output.ts";
import { renderStatus } from "../status-view.ts";
import { VERSION } from "../version.ts";

/** Live status from the gateway, or stored state when it isn't running. */
export async function fetchStatus(ctx: CliContext): Promise<Status> {
  try {
    return await ControlClient.connect(ctx.paths).status();
  } catch (e) {
    if (!(e instanceof BosunError) || e.code !== "not_running") throw e;
  }
  try {
    const loaded = loadForCli(ctx);
    const status = storedStatus(VERSION, loaded, null, findCrash(ctx.paths));
    if (existsSync(ctx.paths.db)) {
      const { openInstaller } = await import("../installer-context.ts");
      status.installs = await openInstaller(ctx, loaded).list(loaded.config.installs.want);
    }
    return status;
  } catch (e) {
    if (e instanceof ConfigError) return storedStatus(VERSION, null, e.toJSON(), findCrash(ctx.paths));
    throw e;
  }
}

export default defineCommand({
  meta: { name: "status", description: "Gateway, adapters, installs, sessions and integrations at a glance" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    const status = await fetchStatus(ctx);
    if (args.json) printJson(status);
    else out(renderStatus(status));
  },
});
