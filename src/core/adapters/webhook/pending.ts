import type { Clock } from "../../util/clock.ts";
import type { Outcome } from "./responses.ts";

type Waiter = (outcome: Outcome) => void;

/**
 * One request's wait: its outcome; `join` makes it one of the requests a reply to its id answers
 * (called once the gateway accepted the request); `answer` answers this request alone.
 */
export interface Waiting {
  outcome: Promise<Outcome>;
  join(): void;
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
  /** Every unfinished wait, joined or not (shutdown answers them all). */
  #all = new Set<Waiter>();
  #callbacks = new Map<string, string>();

  constructor(
    private readonly clock: Clock,
    private readonly maxCallbacks = 10_000,
  ) {}

  /**
   * Wait for the reply to `id`; resolves with it (once joined), with `answer`'s outcome, or with
   * `onTimeout()` after `timeoutMs`. A request joins only once the gateway accepted it, so one whose
   * id turns out to name another message can never receive that message's reply. A client that
   * hangs up is not watched for (Deno's request.signal also fires after every response); its waiter
   * just lives until the reply or the timeout.
   */
  wait(id: string, timeoutMs: number, onTimeout: () => Outcome): Waiting {
    let finish!: Waiter;
    let joined: Set<Waiter> | null = null;
    const expiry = new AbortController();
    const outcome = new Promise<Outcome>((resolve) => {
      let done = false;
      finish = (o: Outcome) => {
        if (done) return;
        done = true;
        expiry.abort();
        this.#all.delete(finish);
        if (joined) {
          joined.delete(finish);
          if (joined.size === 0 && this.#waiters.get(id) === joined) this.#waiters.delete(id);
        }
        resolve(o);
      };
      this.#all.add(finish);
      void this.clock.sleep(timeoutMs, expiry.signal).then(() => {
        if (!expiry.signal.aborted) finish(onTimeout());
      });
    });
    const join = () => {
      if (joined || !this.#all.has(finish)) return;
      let set = this.#waiters.get(id);
      if (!set) this.#waiters.set(id, (set = new Set()));
      set.add(finish);
      joined = set;
    };
    return { outcome, join, answer: (o) => finish(o) };
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
    for (const w of [...this.#all]) w(outcome);
    this.#callbacks.clear();
  }
}
