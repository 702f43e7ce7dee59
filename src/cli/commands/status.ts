import { defineCommand } from "citty";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { ExitCode } from "../../core/errors.ts";
import { configFailure, gatewayApi } from "../gateway-api.ts";
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
    // The whole status is still shown (it names the error), and the exit code says the config is
    // invalid, as the README's table promises; a running gateway's refused reload is not (it runs).
    return configFailure(status) ? ExitCode.config : ExitCode.ok;
  },
});
