import type { Clock } from "../../util/clock.ts";

/** Token bucket: `capacity` tokens at first, one more every `intervalMs`, never above capacity. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(
    readonly capacity: number,
    readonly intervalMs: number,
    private readonly now: () => number,
  ) {
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Take one token: 0 when taken, otherwise the ms until one is available (nothing is taken). */
  take(): number {
    const t = this.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + Math.max(0, t - this.#last) / this.intervalMs);
    this.#last = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) * this.intervalMs));
  }
}

export interface SendQueueOptions {
  burst: number;
  intervalMs: number;
  /** Writes one line to the wire; a throw rejects that line's promise. */
  write: (line: string) => void;
  /** Paces the queue: the bucket refills on its monotonic reading, waits are its timers (which never keep the process alive). */
  clock: Clock;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Outbound lines paced by a token bucket, written strictly in the order they were queued. */
export class SendQueue {
  #items: Pending[] = [];
  #bucket: TokenBucket;
  #cancel: (() => void) | null = null;
  #closed: Error | null = null;

  constructor(private readonly opts: SendQueueOptions) {
    this.#bucket = new TokenBucket(opts.burst, opts.intervalMs, () => opts.clock.monotonic());
  }

  /** Lines waiting for a token. */
  get pending(): number {
    return this.#items.length;
  }

  /** Queue one line; resolves once it has been written. */
  push(line: string): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    const p = new Promise<void>((resolve, reject) => this.#items.push({ line, resolve, reject }));
    if (!this.#cancel) this.#drain();
    return p;
  }

  /** Queue several lines back to back; resolves once the last has been written. */
  async pushAll(lines: readonly string[]): Promise<void> {
    await Promise.all(lines.map((l) => this.push(l)));
  }

  /** Reject everything still queued and stop the timer. Later pushes reject with `error`. */
  close(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    this.#cancel?.();
    this.#cancel = null;
    for (const item of this.#items.splice(0)) item.reject(error);
  }

  #drain(): void {
    while (this.#items.length > 0 && !this.#closed) {
      const wait = this.#bucket.take();
      if (wait > 0) {
        this.#cancel = this.opts.clock.after(wait, () => {
          this.#cancel = null;
          this.#drain();
        });
        return;
      }
      const item = this.#items.shift()!;
      try {
        this.opts.write(item.line);
        item.resolve();
      } catch (err) {
        item.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
