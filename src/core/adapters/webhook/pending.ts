import type { Outcome } from "./responses.ts";

type Waiter = (outcome: Outcome) => void;

/** One request's wait: its outcome, and a way to answer this request alone (others with its id keep waiting). */
export interface Waiting {
  outcome: Promise<Outcome>;
  answer(outcome: Outcome): void;
}

/** Ids are the client's and unique only within a conversation: waiters are keyed by both. */
export function replyKey(conversation: string, id: string): string {
  return `${conversation}\u0000${id}`;
}

/**
 * Requests waiting for their reply, keyed by replyKey(conversation, message id). A client that retries while the first
 * attempt is in flight adds a second waiter under the same id; one reply answers them all.
 * Callback URLs outlive the HTTP wait (a reply after a 504 still reaches the callback), so they
 * are kept separately, bounded so a gateway that never answers cannot grow them without limit.
 */
export class PendingReplies {
  #waiters = new Map<string, Set<Waiter>>();
  #callbacks = new Map<string, string>();

  constructor(private readonly maxCallbacks = 10_000) {}

  /**
   * Wait for the reply to `id`; resolves with it, or with `onTimeout()` after `timeoutMs`. A client
   * that hangs up is not watched for (Deno's request.signal also fires after every response); its
   * waiter just lives until the reply or the timeout.
   */
  wait(id: string, timeoutMs: number, onTimeout: () => Outcome): Waiting {
    let answer!: Waiter;
    const outcome = new Promise<Outcome>((resolve) => {
      let set = this.#waiters.get(id);
      if (!set) this.#waiters.set(id, (set = new Set()));
      const waiters = set;
      let done = false;
      const finish = (o: Outcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        waiters.delete(finish);
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id);
        resolve(o);
      };
      answer = finish;
      const timer = setTimeout(() => finish(onTimeout()), timeoutMs);
      waiters.add(finish);
    });
    return { outcome, answer };
  }

  /** Remember where to POST the reply to `id` (the latest request's URL wins). */
  setCallback(id: string, url: string): void {
    this.#callbacks.delete(id);
    this.#callbacks.set(id, url);
    // Map iteration is insertion order, so the first key is the oldest.
    while (this.#callbacks.size > this.maxCallbacks) this.#callbacks.delete(this.#callbacks.keys().next().value!);
  }

  /** Answer every request waiting for `id`; returns how many there were and the callback URL, now forgotten. */
  settle(id: string, outcome: Outcome): { answered: number; callbackUrl: string | undefined } {
    const set = this.#waiters.get(id);
    const waiters = set ? [...set] : [];
    for (const w of waiters) w(outcome);
    const callbackUrl = this.#callbacks.get(id);
    this.#callbacks.delete(id);
    return { answered: waiters.length, callbackUrl };
  }

  /** Answer every waiting request (shutdown) and forget every callback. */
  settleAll(outcome: Outcome): void {
    for (const set of [...this.#waiters.values()]) for (const w of [...set]) w(outcome);
    this.#callbacks.clear();
  }
}
