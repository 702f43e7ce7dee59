import { defineCommand } from "citty";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { globalArgs } from "../args.ts";
import { attachedSource } from "../attached-source.ts";
import { cliContext } from "../context.ts";
import { runningGateway } from "../gateway-api.ts";
import { VERSION } from "../version.ts";

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "dashboard" },
  args: { ...globalArgs },
  async run({ args }) {
    const ctx = cliContext(args);
    if (!process.stdout.isTTY) {
      throw new BosunError("not_a_tty", "the dashboard needs a terminal", { exitCode: ExitCode.usage, hint: "use `bosun status --json` in scripts" });
    }
    runningGateway(ctx); // fail fast with exit 4 when nothing is running
    const { runDashboard } = await (await import("../load-tui.ts")).loadTui();
    await runDashboard({ source: attachedSource(() => runningGateway(ctx, "dashboard")), version: VERSION });
  },
});
