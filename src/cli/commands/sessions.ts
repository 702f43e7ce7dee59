import { defineCommand } from "citty";
import type { SessionAction } from "../../core/control/api.ts";
import { BosunError, ExitCode } from "../../core/errors.ts";
import type { SessionState } from "../../core/sessions/store.ts";
import { didYouMean } from "../../core/util/suggest.ts";
import { globalArgs } from "../args.ts";
import { cliContext } from "../context.ts";
import { gatewayApi } from "../gateway-api.ts";
import { c, err, out, printJson, stateColor } from "../output.ts";
import { renderSession, renderSessions, sessionName } from "../sessions-view.ts";

const STATES: readonly SessionState[] = ["active", "idle", "errored", "stopped"];

/** The --state filter, or a usage error naming the states. */
export function parseState(raw: unknown): SessionState | undefined {
  if (raw === undefined || raw === "") return undefined;
  const s = String(raw).toLowerCase();
  if ((STATES as readonly string[]).includes(s)) return s as SessionState;
  const guess = didYouMean(s, STATES);
  throw new BosunError("usage", `unknown session state "${String(raw).slice(0, 40)}"`, { exitCode: ExitCode.usage, hint: `${guess ? `did you mean ${guess}? ` : ""}states: ${STATES.join(", ")}` });
}

/** The --limit, 1 to 1,000, or a usage error. */
export function parseLimit(raw: unknown): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1 && n <= 1000) return n;
  throw new BosunError("usage", `--limit must be a whole number from 1 to 1000 (got "${String(raw).slice(0, 20)}")`, { exitCode: ExitCode.usage });
}

const idArg = {
  id: { type: "positional", required: true, description: "Session id (a unique prefix is enough) or key (adapter:conversation)", valueHint: "ID" },
} as const;

const lsArgs = {
  ...globalArgs,
  fresh: { type: "boolean", description: "Read the store now instead of the listing cache" },
  adapter: { type: "string", description: "Only this adapter's sessions", valueHint: "NAME" },
  state: { type: "string", description: `Only sessions in this state: ${STATES.join(", ")}`, valueHint: "STATE" },
  limit: { type: "string", description: "At most this many (1-1000, default 50)", valueHint: "N" },
} as const;

const ls = defineCommand({
  meta: { name: "ls", description: "List sessions, newest activity first (the default)" },
  args: lsArgs,
  async run({ args }) {
    const state = parseState(args.state);
    const limit = parseLimit(args.limit);
    const { api } = gatewayApi(cliContext(args));
    const page = await api.sessions({
      ...(args.fresh ? { fresh: true } : {}),
      ...(args.adapter ? { adapter: String(args.adapter) } : {}),
      ...(state ? { state } : {}),
      ...(limit ? { limit } : {}),
    });
    if (args.json) printJson(page);
    else {
      out(renderSessions(page.sessions));
      if (page.nextCursor) err(c.dim(`more sessions than shown; --limit shows up to 1000`));
    }
  },
});

const show = defineCommand({
  meta: { name: "show", description: "One session: transcript, usage, last error, waiting messages, undelivered replies" },
  args: { ...globalArgs, ...idArg },
  async run({ args }) {
    const d = await gatewayApi(cliContext(args)).api.session(String(args.id));
    if (args.json) printJson(d);
    else out(renderSession(d));
  },
});

const DONE: Record<SessionAction, string> = { reset: "reset: its next message starts a fresh context", stop: "stopped: messages to it wait until it is started", start: "started" };

function action(verb: SessionAction, description: string) {
  return defineCommand({
    meta: { name: verb, description },
    args: { ...globalArgs, ...idArg },
    async run({ args }) {
      const s = await gatewayApi(cliContext(args)).api.sessionAction(String(args.id), verb);
      if (args.json) printJson(s);
      else err(`${c.green("✓")} ${sessionName(s)} ${DONE[verb]} (${stateColor(s.state)(s.state)}${s.waiting > 0 ? `, ${s.waiting} waiting` : ""})`);
      return ExitCode.ok;
    },
  });
}

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "sessions" },
  // ls's flags, since `bosun sessions --state idle` is `bosun sessions ls --state idle`.
  args: lsArgs,
  subCommands: {
    ls,
    show,
    reset: action("reset", "Start a fresh context (the history stays stored, out of the prompt)"),
    stop: action("stop", "Stop answering in this conversation; its messages are stored and wait"),
    start: action("start", "Answer again, first what waited, in order"),
  },
  // `bosun sessions` alone is `bosun sessions ls`.
  default: "ls",
});
