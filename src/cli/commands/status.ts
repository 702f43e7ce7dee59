import { defineCommand } from "citty";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { gatewayApi } from "../gateway-api.ts";
import { out, printJson } from "../output.ts";
import { renderStatus } from "../status-view.ts";

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "status" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    const status = await gatewayApi(ctx).api.status();
    if (args.json) printJson(status);
    else out(renderStatus(status));
  },
});
