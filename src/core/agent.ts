import type { ConsolaInstance } from "consola";
import type { ReplyError } from "./messages.ts";
import { errorMessage } from "./errors.ts";
import { classifyError } from "./providers/errors.ts";
import type { ChatMessage, Provider } from "./providers/types.ts";
import { systemClock, type Clock } from "./util/clock.ts";

const HISTORY_LIMIT = 40;
/** Retryable provider errors are retried at most this often per turn (semantics §5). */
const MAX_RETRIES = 2;
const RETRY_CAP_MS = 30_000;

/** The reply to one message; `error` is set when the text is the user-facing message of a failure. */
export interface Reply {
  text: string;
  error: ReplyError | null;
}

export interface TurnInput {
  /** Session key: `adapter:conversation[:thread]`. */
  key: string;
  text: string;
}

export interface AgentOptions {
  provider: Provider;
  systemPrompt?: string;
  log: ConsolaInstance;
  /** One short paragraph of gateway health for `/status`. */
  describeStatus: () => string;
  clock?: Clock;
}

const HELP =
  "Commands: /reset starts a fresh conversation, /status shows the gateway's health, /help shows this list. Anything else goes to the agent.";

/**
 * The chat agent: answers the channel commands (/reset, /status, /help) itself and sends
 * everything else to the provider with the conversation's recent history.
 */
export class Agent {
  #history = new Map<string, ChatMessage[]>();
  #opts: AgentOptions;
  constructor(opts: AgentOptions) {
    this.#opts = opts;
  }

  get provider(): Provider {
    return this.#opts.provider;
  }

  /** Swap the provider (config reload); conversations keep their history. */
  setProvider(provider: Provider, systemPrompt?: string): void {
    this.#opts = { ...this.#opts, provider, systemPrompt };
  }

  /** Produce the reply to one inbound message. Never throws: failures become a plain message. */
  async reply(input: TurnInput, signal: AbortSignal): Promise<Reply> {
    const text = input.text.trim();
    const ok = (t: string): Reply => ({ text: t, error: null });
    if (text === "/reset") {
      this.#history.delete(input.key);
      return ok("Started a fresh conversation.");
    }
    if (text === "/status") return ok(this.#opts.describeStatus());
    if (text === "/help") return ok(HELP);

    const history = this.#history.get(input.key) ?? [];
    const messages: ChatMessage[] = [
      ...(this.#opts.systemPrompt ? [{ role: "system" as const, content: this.#opts.systemPrompt }] : []),
      ...history,
      { role: "user", content: input.text },
    ];
    const clock = this.#opts.clock ?? systemClock;
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.#opts.provider.complete(messages, signal);
        const next = [...history, { role: "user" as const, content: input.text }, { role: "assistant" as const, content: answer }];
        this.#history.set(input.key, next.slice(-HISTORY_LIMIT));
        return ok(answer);
      } catch (err) {
        const c = classifyError(err, { cancelled: signal.aborted });
        if (c.retryable && attempt < MAX_RETRIES && !signal.aborted) {
          const wait = Math.min(RETRY_CAP_MS, c.retryAfterMs ?? 1000 * 2 ** attempt);
          this.#opts.log.info(`turn for ${input.key}: ${c.type}, retrying in ${wait} ms`);
          await clock.sleep(wait, signal);
          continue;
        }
        this.#opts.log.warn(`turn failed for ${input.key}: ${c.type}: ${errorMessage(err)}`);
        return { text: c.userMessage, error: { type: c.type, retryable: c.retryable } };
      }
    }
  }
}
