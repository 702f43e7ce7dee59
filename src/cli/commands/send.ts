import { defineCommand } from "citty";
import { BosunError, ExitCode } from "../../core/errors.ts";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { runningGateway } from "../gateway-api.ts";
import { c, err, printJson } from "../output.ts";

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "send" },
  args: {
    ...globalArgs,
    adapter: { type: "positional", required: true, description: "Adapter name" },
    target: { type: "positional", required: true, description: "Where to: an IRC channel or nick, a Telegram chat id, a Slack channel id, a Discord channel id, an email address, a webchat conversation id" },
    text: { type: "positional", required: true, description: "The message (quote it)" },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const text = String(args.text);
    if (!text.trim()) throw new BosunError("usage", "the message is empty", { exitCode: ExitCode.usage, hint: 'bosun send ADAPTER TARGET "text"' });
    await runningGateway(ctx).send({ adapter: String(args.adapter), target: String(args.target), text });
    if (args.json) printJson({ sent: true });
    else if (!args.quiet) err(`${c.green("✓")} sent through ${args.adapter} to ${args.target}`);
  },
});
