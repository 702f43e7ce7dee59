import { defineCommand } from "citty";
import { globalArgs, targetArg } from "../args.ts";
import { cliContext } from "../context.ts";
import { gatewayApi } from "../gateway-api.ts";
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
    const { status, removed } = await gatewayApi(ctx).api.uninstall({ target });
    if (args.json) printJson(status);
    else if (!args.quiet) err(removed ? `${c.green("✓")} ${target} removed` : `${target} is not installed; nothing to remove`);
  },
});
