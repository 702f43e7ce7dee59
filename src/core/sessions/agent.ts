import type { ConsolaInstance } from "consola";
import { errorMessage } from "../errors.ts";
import type { TurnResult } from "../messages.ts";
import { callChain, type ChainEntry } from "../providers/chain.ts";
import { classifyError } from "../providers/errors.ts";
import type { ChatMessage, Usage } from "../providers/types.ts";
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
}

/** What one turn produced, and what the runtime records of it. */
export interface Answer {
  result: TurnResult;
  model: string | null;
  usage: { in: number; out: number } | null;
  /** Whether the exchange goes back into later prompts. */
  inContext: boolean;
  cancelled: boolean;
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

  /** Drop a session's history from memory (a reset from outside a turn); the next turn reads the store. */
  forget(key: string): void {
    this.#cache.delete(key);
  }

  /** Sessions whose history is held in memory now (bounded). */
  get cachedSessions(): number {
    return this.#cache.size;
  }

  /** Answer one message of session `key`. Never throws: a failure becomes its user-facing message. */
  async answer(key: string, text: string, signal: AbortSignal, progress: AnswerProgress = {}): Promise<Answer> {
    const o = this.#o;
    const plain = (t: string): Answer => ({ result: { text: t, error: null }, model: null, usage: null, inContext: false, cancelled: false });
    const command = text.trim();
    if (command === "/reset") {
      await o.store.resetContext(key);
      this.#cache.delete(key);
      return plain("Started a fresh conversation.");
    }
    if (command === "/status") return plain(o.describeStatus());
    if (command === "/help") return plain(HELP);

    let release: (() => void) | null = null;
    try {
      // The slot first: a burst across many sessions waits without holding their histories.
      release = await this.#slots.acquire(signal);
      const history = this.#cache.get(key) ?? fitHistory(await o.store.history(key, HISTORY_ROWS), o.contextTokens);
      const messages: ChatMessage[] = [...(o.systemPrompt ? [{ role: "system" as const, content: o.systemPrompt }] : []), ...history, { role: "user", content: text }];
      const live = new RedactedStream(o.redact, progress.onText ?? (() => undefined), progress.onRestart ?? (() => undefined), o.longestSecret?.() ?? 0);
      // The answer is bounded: past maxReplyChars the call is stopped and what came is kept.
      const max = o.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS;
      const cut = new AbortController();
      let streamed = "";
      let answer: { text: string; usage: Usage | null; model: string | null };
      try {
        answer = await callChain(o.chain, { messages, stream: true }, {
          signal: AbortSignal.any([signal, cut.signal]),
          clock: o.clock,
          onText: (t) => {
            if (cut.signal.aborted) return;
            streamed += t;
            if (streamed.length > max) cut.abort();
            else live.push(t);
          },
          onRestart: () => {
            streamed = "";
            live.restart();
          },
          onNotice: (line) => o.log.info(`turn for ${key}: ${line}`),
        });
      } catch (err) {
        if (!cut.signal.aborted || signal.aborted) throw err;
        o.log.warn(`turn for ${key}: the answer passed ${max} characters; it was cut there`);
        answer = { text: `${streamed.slice(0, max)}\n\n[answer cut at ${max} characters]`, usage: null, model: null };
      }
      const reply = answer.text.trim() === "" ? EMPTY_ANSWER : o.redact(answer.text);
      const next: HistoryMessage[] = [...history, { role: "user", content: text }, { role: "assistant", content: reply }];
      this.#cache.set(key, fitHistory(next, o.contextTokens));
      const usage = answer.usage ? { in: answer.usage.promptTokens, out: answer.usage.completionTokens } : null;
      return { result: { text: reply, error: null }, model: answer.model, usage, inContext: true, cancelled: false };
    } catch (err) {
      const c = classifyError(err, { cancelled: signal.aborted });
      // Seed 004: state that saw a transient failure is not kept; the next turn rebuilds it from the store.
      if (c.retryable || c.type === "cancelled") this.#cache.delete(key);
      if (c.type !== "cancelled") o.log.warn(`turn failed for ${key}: ${c.type}: ${errorMessage(err)}`);
      return { result: { text: c.userMessage, error: { type: c.type, retryable: c.retryable } }, model: null, usage: null, inContext: false, cancelled: c.type === "cancelled" };
    } finally {
      release?.();
    }
  }
}
