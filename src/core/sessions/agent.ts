import type { ConsolaInstance } from "consola";
import { errorMessage } from "../errors.ts";
import type { OfferedTool, ToolBox, ToolStep } from "../integrations/types.ts";
import type { TurnResult } from "../messages.ts";
import { callChain, type ChainAnswer, type ChainEntry } from "../providers/chain.ts";
import { classifyError } from "../providers/errors.ts";
import type { ChatMessage, ProviderRequest, ToolCall, Usage } from "../providers/types.ts";
import { AbortedError, raceAbort } from "../util/abort.ts";
import type { Clock } from "../util/clock.ts";
import { Semaphore } from "../util/semaphore.ts";
import { fitHistory, HistoryCache, HISTORY_ROWS } from "./context.ts";
import { RedactedStream } from "./stream-redact.ts";
import type { HistoryMessage, SessionStore } from "./store.ts";

/** Sessions whose prompt history is kept in memory at once (the rest is read from the store when needed). */
const CACHED_SESSIONS = 1_000;
/** And the characters of history they may hold in all (about 8 MB of strings), whatever context_tokens allows. */
const CACHED_CHARS = 4_000_000;
/** Longest answer kept when [agent] max_reply_chars is not given (the config's default). */
const DEFAULT_MAX_REPLY_CHARS = 16_000;
/** What a turn whose model said nothing answers (an empty message cannot be sent on most channels). */
const EMPTY_ANSWER = "(the model returned an empty answer)";
/**
 * A tool result goes back into the prompt cut here: with max_tool_steps calls a turn's prompt
 * grows by at most that many of these (the ToolBox bounds results too; this is the prompt's own bound).
 */
const TOOL_PROMPT_CHARS = 16_000;

const HELP =
  "Commands: /reset starts a fresh conversation, /status shows the gateway's health, /help shows this list. Anything else goes to the agent.";

/** The [agent] settings a turn reads; replaced as a whole on a config reload. */
export interface AgentSettings {
  chain: readonly ChainEntry[];
  systemPrompt?: string;
  contextTokens: number;
  maxConcurrentTurns: number;
  /** Longest answer kept; the model is stopped there (default 16,000). */
  maxReplyChars?: number;
  /** Tool calls one turn may run ([agent] max_tool_steps); the model call after them gets no tools. */
  maxToolSteps: number;
}

export interface AgentOptions extends AgentSettings {
  store: SessionStore;
  clock: Clock;
  log: ConsolaInstance;
  /** One short paragraph of gateway health for `/status`. */
  describeStatus: () => string;
  /** Hides secrets in what the model says (it can repeat a key it was shown). */
  redact: (text: string) => string;
  /** The longest literal secret `redact` hides: streamed text holds back that much of its tail. */
  longestSecret?: () => number;
  /** The tools offered to the model (the integrations hub); none: requests carry no `tools`. Replaceable with `setTools`. */
  tools?: ToolBox;
}

/** What one turn produced, and what the runtime records of it. */
export interface Answer {
  result: TurnResult;
  model: string | null;
  usage: { in: number; out: number } | null;
  /** Whether the exchange goes back into later prompts. */
  inContext: boolean;
  cancelled: boolean;
  /** The tool calls the turn ran, in order (also for a turn cancelled or failed after some ran: they happened). */
  tools: ToolStep[];
}

export interface AnswerProgress {
  onText?: (text: string) => void;
  onRestart?: () => void;
}

/**
 * The chat agent: answers the channel commands (/reset, /status, /help) itself and sends
 * everything else, with the session's stored history within the token budget, through the
 * provider chain (retries, fallbacks), at most `maxConcurrentTurns` calls at once.
 */
export class Agent {
  #o: AgentOptions;
  #cache = new HistoryCache(CACHED_SESSIONS, CACHED_CHARS);
  #slots: Semaphore;
  constructor(opts: AgentOptions) {
    this.#o = opts;
    this.#slots = new Semaphore(opts.maxConcurrentTurns);
  }

  /** Apply new [agent] settings (reload); conversations keep their history (it is in the store). */
  configure(s: AgentSettings): void {
    this.#o = { ...this.#o, ...s };
    this.#slots.resize(s.maxConcurrentTurns);
    this.#cache = new HistoryCache(CACHED_SESSIONS, CACHED_CHARS);
  }

  /** Give (or take away, with undefined) the tools the next model calls are offered; turns under way keep theirs. */
  setTools(tools: ToolBox | undefined): void {
    this.#o = { ...this.#o, tools };
  }

  /** Drop a session's history from memory (a reset from outside a turn); the next turn reads the store. */
  forget(key: string): void {
    this.#cache.delete(key);
  }

  /** Sessions whose history is held in memory now (bounded). */
  get cachedSessions(): number {
    return this.#cache.size;
  }

  /**
   * Answer one message of session `key`. Never throws: a failure becomes its user-facing message.
   * With tools offered this is a loop: each model call that answers with tool calls has them run
   * (in order) and is called again with their results, until it answers with text or the turn's
   * step limit is reached (then one last call without tools).
   */
  async answer(key: string, text: string, signal: AbortSignal, progress: AnswerProgress = {}): Promise<Answer> {
    const o = this.#o;
    const plain = (t: string): Answer => ({ result: { text: t, error: null }, model: null, usage: null, inContext: false, cancelled: false, tools: [] });
    const command = text.trim();
    if (command === "/reset") {
      await o.store.resetContext(key);
      this.#cache.delete(key);
      return plain("Started a fresh conversation.");
    }
    if (command === "/status") return plain(o.describeStatus());
    if (command === "/help") return plain(HELP);

    let release: (() => void) | null = null;
    const steps: ToolStep[] = [];
    try {
      // The slot first: a burst across many sessions waits without holding their histories.
      release = await this.#slots.acquire(signal);
      const history = this.#cache.get(key) ?? fitHistory(await o.store.history(key, HISTORY_ROWS), o.contextTokens);
      const messages: ChatMessage[] = [...(o.systemPrompt ? [{ role: "system" as const, content: o.systemPrompt }] : []), ...history, { role: "user", content: text }];
      const live = new RedactedStream(o.redact, progress.onText ?? (() => undefined), progress.onRestart ?? (() => undefined), o.longestSecret?.() ?? 0);
      // The answer is bounded: past maxReplyChars the call is stopped and what came is kept.
      const max = o.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS;
      const cut = new AbortController();
      const callSignal = AbortSignal.any([signal, cut.signal]);
      // The reply is the text of every model call of the turn, joined: `earlier` holds the finished
      // calls' text (each after the first starts on a new paragraph), `current` the one streaming.
      let earlier = "";
      let current = "";
      const chainOptions = {
        signal: callSignal,
        clock: o.clock,
        onText: (t: string) => {
          if (cut.signal.aborted) return;
          const piece = current === "" && earlier !== "" ? `\n\n${t}` : t;
          current += piece;
          if (earlier.length + current.length > max) cut.abort();
          else live.push(piece);
        },
        onRestart: () => {
          current = "";
          live.restart();
          if (earlier !== "") live.push(earlier);
        },
        onNotice: (line: string) => o.log.info(`turn for ${key}: ${line}`),
      };
      const tools = o.tools;
      let usage: Usage | null = null;
      let model: string | null = null;
      /** A line the reply ends with: the step limit was hit, or the model asked for tools that were not run. */
      let ending = "";
      let body: string;
      try {
        // No ToolBox: no await here, the request is exactly the tool-less one (the echo fast path).
        let offered = tools ? await this.#offer(tools, signal, key) : NO_TOOLS;
        let limited = false;
        let skipped = 0;
        for (;;) {
          const request: ProviderRequest = offered.length > 0 ? { messages, tools: offered.map((t) => t.definition), stream: true } : { messages, stream: true };
          const a: ChainAnswer = await callChain(o.chain, request, chainOptions);
          earlier += current;
          current = "";
          usage = addUsage(usage, a.usage);
          model = a.model;
          if (a.toolCalls.length === 0) break;
          if (offered.length === 0) {
            // Tools it was not offered (none, or the limit took them away) are never run.
            if (limited) skipped += a.toolCalls.length;
            else ending = `[the model asked for ${names(a.toolCalls)}, but no tools are offered; not run]`;
            break;
          }
          // The assistant message goes back unchanged, then one tool message per call (OpenAI's rule: every call gets one).
          messages.push({ role: "assistant", content: a.text === "" ? null : a.text, tool_calls: a.toolCalls });
          for (const call of a.toolCalls) {
            if (steps.length >= o.maxToolSteps) {
              skipped++;
              messages.push({ role: "tool", tool_call_id: call.id, content: "Not run: this turn's limit of tool calls is reached." });
              continue;
            }
            const step = await this.#run(tools!, call, offered, signal);
            steps.push(step);
            messages.push({ role: "tool", tool_call_id: call.id, content: clipChars(step.result, TOOL_PROMPT_CHARS) });
          }
          if (signal.aborted) throw new AbortedError();
          if (steps.length >= o.maxToolSteps) {
            limited = true;
            offered = NO_TOOLS;
            messages.push({ role: "system", content: `This turn has used its ${o.maxToolSteps} tool calls: no more tools. Answer now with what you have.` });
          } else {
            // Listed again before every call: a source that went down is not offered to the next one.
            offered = await this.#offer(tools!, signal, key);
          }
        }
        if (limited) {
          const more = skipped > 0 ? `; ${skipped} more the model asked for ${skipped === 1 ? "was" : "were"} not run` : "";
          ending = `[stopped after ${steps.length} tool call${steps.length === 1 ? "" : "s"}: the limit set by [agent] max_tool_steps${more}]`;
          o.log.warn(`turn for ${key}: stopped after ${steps.length} tool calls (agent.max_tool_steps)`);
        }
        body = earlier;
      } catch (err) {
        if (!cut.signal.aborted || signal.aborted) throw err;
        o.log.warn(`turn for ${key}: the answer passed ${max} characters; it was cut there`);
        body = `${(earlier + current).slice(0, max)}\n\n[answer cut at ${max} characters]`;
        usage = null;
        model = null;
      }
      if (ending) body = body.trim() === "" ? ending : `${body}\n\n${ending}`;
      const reply = body.trim() === "" ? EMPTY_ANSWER : o.redact(body);
      // Only the user's text and the reply go back into later prompts; tool messages do not.
      const next: HistoryMessage[] = [...history, { role: "user", content: text }, { role: "assistant", content: reply }];
      this.#cache.set(key, fitHistory(next, o.contextTokens));
      const used = usage ? { in: usage.promptTokens, out: usage.completionTokens } : null;
      return { result: { text: reply, error: null }, model, usage: used, inContext: true, cancelled: false, tools: steps };
    } catch (err) {
      const c = classifyError(err, { cancelled: signal.aborted });
      // Seed 004: state that saw a transient failure is not kept; the next turn rebuilds it from the store.
      if (c.retryable || c.type === "cancelled") this.#cache.delete(key);
      if (c.type !== "cancelled") o.log.warn(`turn failed for ${key}: ${c.type}: ${errorMessage(err)}`);
      return {
        result: { text: c.userMessage, error: { type: c.type, retryable: c.retryable } },
        model: null,
        usage: null,
        inContext: false,
        cancelled: c.type === "cancelled",
        tools: steps,
      };
    } finally {
      release?.();
    }
  }

  /** The tools to offer now; a ToolBox that cannot say offers nothing this time (the turn goes on without tools). */
  async #offer(tools: ToolBox, signal: AbortSignal, key: string): Promise<readonly OfferedTool[]> {
    try {
      return await raceAbort(tools.offered(signal), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      this.#o.log.warn(`turn for ${key}: the tools could not be listed (${errorMessage(err)}); this call offers none`);
      return NO_TOOLS;
    }
  }

  /**
   * One tool call, as the step the transcript keeps (redacted: a tool can return a secret). A
   * cancelled turn stops waiting for it at once; a ToolBox that throws anyway gives an error step.
   */
  async #run(tools: ToolBox, call: ToolCall, offered: readonly OfferedTool[], signal: AbortSignal): Promise<ToolStep> {
    const o = this.#o;
    const started = o.clock.now();
    let step: ToolStep;
    try {
      step = await raceAbort(tools.run(call, offered, signal), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      const name = call.function.name;
      const source = offered.find((t) => t.definition.function.name === name)?.source ?? null;
      step = { name, source, arguments: clipChars(call.function.arguments, TOOL_PROMPT_CHARS), result: `tool call failed: ${errorMessage(err)}`, isError: true, durationMs: o.clock.now() - started };
    }
    return { ...step, arguments: o.redact(step.arguments), result: o.redact(step.result) };
  }
}

const NO_TOOLS: readonly OfferedTool[] = [];

/** Usage over a turn's model calls: summed (each call's prompt is counted, as the backend bills it). */
function addUsage(sum: Usage | null, u: Usage | null): Usage | null {
  if (!u) return sum;
  if (!sum) return u;
  return { promptTokens: sum.promptTokens + u.promptTokens, completionTokens: sum.completionTokens + u.completionTokens, totalTokens: sum.totalTokens + u.totalTokens };
}

/** "tool a" / "tools a, b and 3 more", for a line in the reply (names cut: they come from the model). */
function names(calls: readonly ToolCall[]): string {
  const shown = calls.slice(0, 3).map((c) => clipChars(c.function.name, 64));
  const rest = calls.length - shown.length;
  return `${calls.length === 1 ? "tool" : "tools"} ${shown.join(", ")}${rest > 0 ? ` and ${rest} more` : ""}`;
}

function clipChars(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}… [cut at ${n} characters]`;
}
