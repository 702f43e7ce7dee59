import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { CHAT_MAX_TEXT } from "../core/chat/service.ts";
import type { ChatFrame, GatewayApi } from "../core/control/api.ts";
import { BosunError, errorMessage } from "../core/errors.ts";
import type { TranscriptEntry } from "../core/messages.ts";
import { AsyncQueue } from "../core/util/queue.ts";
import { escapeControls } from "../core/util/text.ts";
import { c, err, write } from "./output.ts";

/** What the REPL calls of the gateway's API. */
export type ChatApi = Pick<GatewayApi, "chat" | "cancelChat" | "chatHistory">;

export interface ReplOptions {
  api: ChatApi;
  conversation: string;
  input: NodeJS.ReadableStream;
  /** A person at a terminal: prompt, history, line editing, Ctrl-C cancels. Otherwise: one answer per input line, exit at EOF. */
  interactive: boolean;
  /** One JSON object per reply on stdout. */
  json: boolean;
  /** Where the session runs, for the header ("through the running gateway"). */
  where: string;
  /** Settles when the gateway this REPL talks to stopped (in-process): the REPL ends. */
  ended?: Promise<void>;
}

/** Stored messages shown when an interactive chat opens. */
const HISTORY_SHOWN = 10;
/** Characters of one history message shown (the rest is elided). */
const HISTORY_CHARS = 400;
const PROMPT = "you> ";
const AGENT = "bosun> ";

/** Model output and stored text on its way to a terminal: controls are shown, not obeyed; lines and tabs stay. */
const shown = (text: string) => escapeControls(text, "\n\t");

/** The error of a failed call in one line, its hint after a dash. */
function errorLine(e: unknown): string {
  const hint = e instanceof BosunError && e.hint ? ` ${c.dim(`(${e.hint})`)}` : "";
  return `${c.red("error:")} ${shown(errorMessage(e))}${hint}`;
}

/**
 * A writable that passes to stdout only while `on`: readline echoes typing through it, and while
 * an answer streams the echo is off, so what is typed ahead waits in the line editor (it comes
 * back with the next prompt) instead of being drawn into the answer.
 */
class EchoGate extends Writable {
  open = true;
  readonly columns = process.stdout.columns;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    if (this.open) process.stdout.write(chunk);
    done();
  }
}

interface Line {
  text: string;
  /** Drawn by the line editor as it was typed (at a prompt), so not printed again. */
  echoed: boolean;
}

interface Running {
  id: string | null;
  started: boolean;
  cancelAsked: boolean;
  reading: AbortController;
}

/** `bosun chat`'s loop; resolves with the exit code. */
export async function runRepl(o: ReplOptions): Promise<number> {
  const seen = new Set<string>();
  const gate = new EchoGate();
  if (o.interactive) {
    err(c.dim(`bosun chat · session cli:${o.conversation} · ${o.where}`));
    err(c.dim("/reset starts afresh, /help lists commands, /exit leaves · Ctrl-C cancels an answer · Ctrl-D leaves"));
    await showHistory(o, seen);
  }
  const rl = o.interactive
    ? createInterface({ input: o.input, output: gate, terminal: true, prompt: PROMPT, historySize: 200 })
    : createInterface({ input: o.input, terminal: false });
  const lines = new AsyncQueue<Line>();
  let running: Running | null = null;
  let leaving = false;
  let failed = false;
  let lastInterrupt = false;
  const prompt = () => {
    if (o.interactive && !leaving) {
      gate.open = true;
      rl.prompt(true);
    }
  };
  rl.on("line", (text) => {
    lastInterrupt = false;
    lines.push({ text, echoed: o.interactive && running === null });
  });
  rl.on("close", () => {
    // A person's Ctrl-D leaves now; a script's end of input still gets the answers to its lines.
    if (o.interactive) {
      leaving = true;
      if (running) running.reading.abort();
      else write("stdout", "\n");
    }
    lines.end();
  });
  const interrupt = () => {
    const r = running;
    if (r) {
      if (!r.cancelAsked) {
        r.cancelAsked = true;
        if (r.started) void cancel(o, r);
        return;
      }
      // Asked already and still waiting (a gateway that does not answer): stop waiting.
      r.reading.abort();
      return;
    }
    if (!o.interactive) return leave();
    if (rl.line.length > 0 || !lastInterrupt) {
      const hadText = rl.line.length > 0;
      // Like a shell: Ctrl-C drops the line being typed; on an empty one it says how to leave.
      // End of line, then delete to its start (readline's own Ctrl-E, Ctrl-U).
      rl.write(null, { ctrl: true, name: "e" });
      rl.write(null, { ctrl: true, name: "u" });
      write("stdout", "\n");
      if (!hadText) {
        err(c.dim("(to leave, press Ctrl-C again, Ctrl-D, or type /exit)"));
        lastInterrupt = true;
      }
      prompt();
      return;
    }
    leave();
  };
  const leave = () => {
    if (leaving) return;
    leaving = true;
    rl.close();
  };
  if (o.interactive) rl.on("SIGINT", interrupt);
  const onSignal = () => interrupt();
  const onTerm = () => leave();
  if (!o.interactive) process.on("SIGINT", onSignal);
  process.on("SIGTERM", onTerm);
  void o.ended?.then(() => {
    if (leaving) return;
    if (o.interactive) err(`\n${c.yellow("the gateway stopped;")} leaving the chat`);
    leave();
    running?.reading.abort();
  });

  prompt();
  try {
    for await (const line of lines) {
      if (leaving && o.interactive) break;
      const text = line.text;
      const command = text.trim();
      if (command === "") {
        prompt();
        continue;
      }
      if (command === "/exit" || command === "/quit") break;
      if (o.interactive && !line.echoed) write("stdout", `${c.dim(PROMPT)}${shown(text)}\n`);
      if (text.length > CHAT_MAX_TEXT) {
        say(o, { code: "too_long", message: `that message is ${text.length} characters long; at most ${CHAT_MAX_TEXT} are sent, so it was not sent` });
        failed = true;
        prompt();
        continue;
      }
      gate.open = false;
      const r: Running = { id: null, started: false, cancelAsked: false, reading: new AbortController() };
      running = r;
      try {
        if (!(await turn(o, text, r, seen))) failed = true;
      } finally {
        running = null;
      }
      if (o.interactive && command === "/help" && !leaving) err(c.dim("In this terminal: /exit or Ctrl-D leaves, Ctrl-C cancels an answer being written."));
      prompt();
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onTerm);
    leaving = true;
    rl.close();
  }
  return failed && !o.interactive ? 1 : 0;
}

async function cancel(o: ReplOptions, r: Running): Promise<void> {
  try {
    await o.api.cancelChat({ conversation: o.conversation });
  } catch (e) {
    if (!r.reading.signal.aborted) err(errorLine(e));
  }
}

/** The conversation's last stored messages, dimmed; their replies are not shown again when the outbox delivers them late. */
async function showHistory(o: ReplOptions, seen: Set<string>): Promise<void> {
  let entries: TranscriptEntry[];
  try {
    entries = await o.api.chatHistory({ conversation: o.conversation, limit: HISTORY_SHOWN });
  } catch (e) {
    err(errorLine(e));
    return;
  }
  for (const e of entries) if (e.role === "agent") seen.add(e.id);
  if (entries.length === 0) return;
  write("stdout", `${c.dim("── earlier in this conversation ──")}\n`);
  for (const e of entries) {
    const text = e.text.length > HISTORY_CHARS ? `${e.text.slice(0, HISTORY_CHARS)}…` : e.text;
    write("stdout", c.dim(`${e.role === "user" ? PROMPT : AGENT}${shown(text)}`) + "\n");
  }
  write("stdout", `${c.dim("──")}\n`);
}

/** A failure that is no reply (a refused message): one line, or one JSON object. */
function say(o: ReplOptions, e: { code: string; message: string }): void {
  if (o.json) write("stdout", JSON.stringify({ error: { code: e.code, message: e.message } }) + "\n");
  else err(`${c.red("error:")} ${shown(e.message)}`);
}

/**
 * One message: send, show its answer as it streams, end with its reply. Replies to earlier messages
 * of the conversation that waited for a terminal come first and are shown as such. Returns false
 * when there was no proper answer (an error reply, a refusal, the gateway gone).
 */
async function turn(o: ReplOptions, text: string, r: Running, seen: Set<string>): Promise<boolean> {
  /** The reply whose text is being streamed on the current line, and what was drawn of it. */
  type Open = { replyTo: string; text: string };
  // Set inside openFor too: typed wide, or control-flow narrowing would keep it null here.
  let open = null as Open | null;
  const stream = !o.json;
  const openFor = (replyTo: string) => {
    if (open?.replyTo === replyTo) return open;
    if (open) write("stdout", "\n");
    if (replyTo !== r.id && o.interactive) err(c.dim("(the answer to an earlier message)"));
    open = { replyTo, text: "" };
    write("stdout", o.interactive ? c.cyan(AGENT) : "");
    return open;
  };
  let answered = false;
  let ok = true;
  try {
    for await (const f of o.api.chat({ conversation: o.conversation, text }, r.reading.signal)) {
      if (f.type === "accepted") r.id = f.id;
      else if (f.type === "started") {
        if (f.replyTo !== r.id) continue;
        r.started = true;
        // Ctrl-C before the turn began: now there is one to cancel (never the turn of another message).
        if (r.cancelAsked) void cancel(o, r);
        if (stream && o.interactive) openFor(f.replyTo);
      } else if (f.type === "delta") {
        if (!stream || seen.has(f.replyTo)) continue;
        const line = openFor(f.replyTo);
        line.text += f.text;
        write("stdout", shown(f.text));
      } else if (f.type === "restart") {
        if (!stream || open?.replyTo !== f.replyTo) continue;
        // What was drawn is void (a retry, or a fallback model answering afresh).
        write("stdout", `\n${c.dim("(starting the answer again)")}\n`);
        open = null;
        openFor(f.replyTo);
      } else if (f.type === "reply") {
        const mine = f.replyTo === r.id;
        if (mine) answered = true;
        if (!mine && seen.has(f.replyTo)) continue;
        seen.add(f.replyTo);
        if (mine && f.error) ok = false;
        if (o.json) {
          write("stdout", JSON.stringify({ replyTo: f.replyTo, text: f.text, error: f.error?.type ?? null, ...(mine ? {} : { earlier: true }) }) + "\n");
          continue;
        }
        showReply(o, f, openFor(f.replyTo));
        open = null;
      } else if (f.type === "error") {
        say(o, f);
        return false;
      }
    }
  } catch (e) {
    if (open) write("stdout", "\n");
    if (o.json) say(o, { code: e instanceof BosunError ? e.code : "internal", message: errorMessage(e) });
    else err(errorLine(e));
    return false;
  }
  if (open) write("stdout", "\n");
  if (answered) return ok;
  if (r.reading.signal.aborted) {
    if (r.id) err(c.dim("left before the answer came: it will be in this conversation's history next time"));
    return false;
  }
  say(o, {
    code: "no_answer",
    message: r.id
      ? "the gateway went away before answering; the message is stored and is answered when it runs again"
      : "the gateway went away before taking the message; it was not sent",
  });
  return false;
}

/** The reply, after what streamed of it: only the rest when it continues what was drawn, else the whole text. */
function showReply(o: ReplOptions, f: Extract<ChatFrame, { type: "reply" }>, line: { text: string }): void {
  const paint = f.error ? (f.error.type === "cancelled" ? c.yellow : c.red) : (s: string) => s;
  if (line.text && f.text.startsWith(line.text) && !f.error) {
    write("stdout", shown(f.text.slice(line.text.length)) + "\n");
    return;
  }
  // Nothing streamed, or the reply is not what streamed (an error after partial text, a redaction).
  if (line.text) write("stdout", `\n${o.interactive ? c.cyan(AGENT) : ""}`);
  write("stdout", paint(shown(f.text)) + "\n");
}
