import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { globalArgs, targetArg } from "../args.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext } from "../context.ts";
import { gatewayApi } from "../gateway-api.ts";
import { openInstaller } from "../installer-context.ts";
import { c, err, printJson } from "../output.ts";

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "uninstall" },
  args: {
    ...globalArgs,
    ...targetArg,
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const target = String(args.target);
    const installer = openInstaller(ctx, loadForCli(ctx));
    const entry = installer.entry(target);
    const present = installer.filePaths(entry).some((p) => existsSync(p) || existsSync(`${p}.part`));
    const { status } = await gatewayApi(ctx).api.uninstall({ target });
    if (args.json) printJson(status);
    else if (!args.quiet) err(present ? `${c.green("✓")} ${target} removed` : `${target} is not installed; nothing to remove`);
  },
});
