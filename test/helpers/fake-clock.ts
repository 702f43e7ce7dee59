import type { Clock } from "../../src/core/util/clock.ts";

/** A manual clock: sleeps resolve only when the test advances time past them. */
export class FakeClock implements Clock {
  #t: number;
  #timers: Array<{ at: number; resolve: () => void; seq: number }> = [];
  #seq = 0;
  constructor(start = Date.parse("2026-01-01T00:00:00Z")) {
    this.#t = start;
  }
  now(): number {
    return this.#t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = { at: this.#t + Math.max(0, ms), resolve: () => resolve(), seq: this.#seq++ };
      this.#timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.#timers = this.#timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
    });
  }
  /** Pending sleeps (for asserting that nothing is scheduled). */
  get pending(): number {
    return this.#timers.length;
  }
  /** Move time forward, firing due sleeps in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.#t + ms;
    await settle();
    for (;;) {
      const due = this.#timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((x) => x !== due);
      this.#t = Math.max(this.#t, due.at);
      due.resolve();
      await settle();
    }
    this.#t = target;
    await settle();
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
