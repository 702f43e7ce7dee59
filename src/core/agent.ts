import type { ConsolaInstance } from "consola";
import { errorMessage } from "./errors.ts";
import type { ChatMessage, Provider } from "./providers/types.ts";

const HISTORY_LIMIT = 40;

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

  /** Produce the reply to one inbound message. Never throws: failures become a plain message. */
  async reply(input: TurnInput, signal: AbortSignal): Promise<string> {
    const text = input.text.trim();
    if (text === "/reset") {
      this.#history.delete(input.key);
      return "Started a fresh conversation.";
    }
    if (text === "/status") return this.#opts.describeStatus();
    if (text === "/help") return HELP;

    const history = this.#history.get(input.key) ?? [];
    const messages: ChatMessage[] = [
      ...(this.#opts.systemPrompt ? [{ role: "system" as const, content: this.#opts.systemPrompt }] : []),
      ...history,
      { role: "user", content: input.text },
    ];
    try {
      const answer = await this.#opts.provider.complete(messages, signal);
      const next = [...history, { role: "user" as const, content: input.text }, { role: "assistant" as const, content: answer }];
      this.#history.set(input.key, next.slice(-HISTORY_LIMIT));
      return answer;
    } catch (err) {
      // A failed turn leaves no half-state behind: the next message starts from stored history.
      this.#opts.log.warn(`turn failed for ${input.key}: ${errorMessage(err)}`);
      return `Sorry, the model provider failed: ${errorMessage(err).slice(0, 300)}`;
    }
  }
}
