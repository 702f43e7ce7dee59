import type { Clock } from "../../src/core/util/clock.ts";

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

/** A manual clock: sleeps resolve and timers fire only when the test advances time past them. */
export class FakeClock implements Clock {
  #t: number;
  #timers: Timer[] = [];
  #seq = 0;
  constructor(start = Date.parse("2026-01-01T00:00:00Z")) {
    this.#t = start;
  }
  now(): number {
    return this.#t;
  }
  /** The fake time never goes backwards, so it serves as the monotonic reading too. */
  monotonic(): number {
    return this.#t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = this.#add(ms, resolve);
      signal?.addEventListener(
        "abort",
        () => {
          this.#remove(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
  after(ms: number, fn: () => void): () => void {
    const timer = this.#add(ms, fn);
    return () => this.#remove(timer);
  }
  /** Pending sleeps and timers (for asserting that nothing is scheduled). */
  get pending(): number {
    return this.#timers.length;
  }
  /** Sleeps and timers ever scheduled (to see that an event outside the clock has started a wait). */
  get scheduled(): number {
    return this.#seq;
  }
  /** Move time forward, firing due sleeps and timers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.#t + ms;
    await settle();
    for (;;) {
      const due = this.#timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#remove(due);
      this.#t = Math.max(this.#t, due.at);
      due.fire();
      await settle();
    }
    this.#t = target;
    await settle();
  }
  #add(ms: number, fire: () => void): Timer {
    const timer = { at: this.#t + Math.max(0, ms), seq: this.#seq++, fire };
    this.#timers.push(timer);
    return timer;
  }
  #remove(timer: Timer): void {
    this.#timers = this.#timers.filter((x) => x !== timer);
  }
}

/** Let pending promise continuations (and I/O callbacks) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advance in steps until `pred` holds (or fail after `maxMs` of fake time). */
export async function advanceUntil(clock: FakeClock, pred: () => boolean, stepMs = 100, maxMs = 600_000): Promise<void> {
  for (let t = 0; t <= maxMs; t += stepMs) {
    if (pred()) return;
    await clock.advance(stepMs);
  }
  if (!pred()) throw new Error(`condition not reached within ${maxMs} ms of fake time`);
}
