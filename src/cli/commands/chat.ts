import { defineCommand } from "citty";
import { checkConversation } from "../../core/chat/service.ts";
import { ControlClient, readRunningRecord } from "../../core/control/client.ts";
import { localApi } from "../../core/control/local.ts";
import { BosunError } from "../../core/errors.ts";
import { Gateway } from "../../core/gateway.ts";
import { globalArgs } from "../args.ts";
import { runRepl, type ChatApi } from "../chat-repl.ts";
import { loadForCli } from "../config-load.ts";
import { cliContext, type CliContext } from "../context.ts";
import { c, err, formatLog } from "../output.ts";
import { cleanUpStaleRun } from "../stale-cleanup.ts";
import { VERSION } from "../version.ts";

/** The conversation `bosun chat` continues when no --session is given. */
export const DEFAULT_CHAT_SESSION = "default";

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "chat" },
  args: {
    ...globalArgs,
    session: {
      type: "string",
      alias: "s",
      description: `The conversation to continue or start (default "${DEFAULT_CHAT_SESSION}"; its session is cli:KEY)`,
      valueHint: "KEY",
    },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const conversation = checkConversation(args.session ?? DEFAULT_CHAT_SESSION);
    const json = args.json === true;
    const interactive = process.stdin.isTTY === true && !json;
    const link = await connect(ctx, interactive);
    try {
      return await runRepl({ api: link.api, conversation, input: process.stdin, interactive, json, where: link.where, ...(link.ended ? { ended: link.ended } : {}) });
    } finally {
      await link.close();
      // stdin may still hold a reference (a TTY in raw mode): nothing else keeps this process.
      process.stdin.unref?.();
    }
  },
});

interface Link {
  api: ChatApi;
  where: string;
  ended?: Promise<void>;
  close(): Promise<void>;
}

/** Through the running gateway (each call reads its socket and token afresh, so a restarted one is found). */
function throughRunning(ctx: CliContext): Link {
  const client = () => ControlClient.connect(ctx.paths, "cli");
  return {
    api: {
      chat: (req, signal) => client().chat(req, signal),
      cancelChat: (req) => client().cancelChat(req),
      chatHistory: (req) => client().chatHistory(req),
    },
    where: "through the running gateway",
    close: async () => {},
  };
}

/**
 * The running gateway's chat, or one started in this process. A gateway run here is the home's
 * gateway while the chat lasts (it holds the lock, serves the control socket and runs the
 * configured channels, as `bosun up` would), so a second `bosun chat` joins it and `bosun up`
 * says it is running: one writer of the store, never two.
 */
async function connect(ctx: CliContext, interactive: boolean): Promise<Link> {
  if (readRunningRecord(ctx.paths)) return throughRunning(ctx);
  const loaded = loadForCli(ctx);
  cleanUpStaleRun(ctx);
  const level = ctx.flags.verbose ? 4 : 3;
  const gateway = new Gateway({ home: ctx.paths.home, loaded, env: ctx.env, version: VERSION, logLevel: level });
  // The log file has everything; the terminal gets what needs the user's eyes.
  gateway.bus.onType("log", (e) => {
    if (e.level === "error" || e.level === "warn" || (ctx.flags.verbose && !ctx.flags.json)) err(formatLog(e.level, e.tag, e.message, e.at));
  });
  try {
    await gateway.start();
  } catch (e) {
    // Another chat or `bosun up` took the home a moment before us: talk through it.
    if (e instanceof BosunError && e.code === "already_running" && readRunningRecord(ctx.paths)) return throughRunning(ctx);
    throw e;
  }
  if (interactive && !ctx.flags.quiet) err(c.dim("no gateway was running: one runs in this process (with its channels) until you leave"));
  return {
    api: localApi(gateway, "cli"),
    where: "gateway in this process",
    ended: gateway.stopped,
    close: () => gateway.stop("chat closed"),
  };
}
