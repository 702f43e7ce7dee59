import type { ConsolaInstance } from "consola";
import { errorMessage } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";

/** Telegram shows a chat action for about 5 s: repeat a little sooner so it does not flicker. */
export const TYPING_EVERY_MS = 4_500;
/** A turn whose end never comes (a lost "ended") stops showing "typing" after this. */
export const TYPING_MAX_MS = 120_000;
const ACTION_TIMEOUT_MS = 10_000;

/** One chat (and forum topic) showing "typing": the turns running there, its timer and its bound. */
interface Typing {
  turns: Set<string>;
  cancel: () => void;
  until: number;
}

/**
 * The "typing…" chat action while turns run: sent when the first starts, repeated every 4.5 s
 * until the last ends, at most one timer per chat and topic. Best effort: a failed action is
 * logged at debug and the turn goes on; nothing here throws.
 */
export class TypingIndicator {
  readonly #chats = new Map<string, Typing>();
  #stopped = false;
  constructor(
    private readonly opts: {
      clock: Clock;
      log: ConsolaInstance;
      signal: AbortSignal;
      /** Send one sendChatAction with these parameters. */
      send: (params: Record<string, unknown>, timeoutMs: number) => Promise<unknown>;
    },
  ) {}

  start(chatId: number | string, threadId: number | undefined, turn: string): void {
    if (this.#stopped || this.opts.signal.aborted) return;
    const key = `${chatId}\0${threadId ?? ""}`;
    const until = this.opts.clock.monotonic() + TYPING_MAX_MS;
    const known = this.#chats.get(key);
    if (known) {
      known.turns.add(turn);
      known.until = until;
      return;
    }
    const params: Record<string, unknown> = { chat_id: chatId, action: "typing" };
    if (threadId !== undefined) params.message_thread_id = threadId;
    const t: Typing = { turns: new Set([turn]), cancel: () => {}, until };
    this.#chats.set(key, t);
    const tick = () => {
      if (this.#chats.get(key) !== t) return;
      if (this.#stopped || this.opts.signal.aborted || this.opts.clock.monotonic() >= t.until) {
        this.#chats.delete(key);
        return;
      }
      this.opts.send(params, ACTION_TIMEOUT_MS).catch((err: unknown) => {
        if (!this.opts.signal.aborted) this.opts.log.debug(`telegram: typing action not sent: ${errorMessage(err)}`);
      });
      t.cancel = this.opts.clock.after(TYPING_EVERY_MS, tick);
    };
    tick();
  }

  end(chatId: number | string, threadId: number | undefined, turn: string): void {
    const key = `${chatId}\0${threadId ?? ""}`;
    const t = this.#chats.get(key);
    if (!t) return;
    t.turns.delete(turn);
    if (t.turns.size > 0) return;
    t.cancel();
    this.#chats.delete(key);
  }

  /** Cancel every timer (shutdown). */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#chats.values()) t.cancel();
    this.#chats.clear();
  }
}
