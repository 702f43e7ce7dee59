import { clearTimeout as clearNodeTimeout, setTimeout as setNodeTimeout } from "node:timers";

/**
 * Time as the gateway sees it: read, waited on and scheduled through one injected object, so tests
 * drive every timing deterministically instead of waiting for real.
 */
export interface Clock {
  /** Wall-clock time in ms since the epoch (for timestamps shown to people and stored). */
  now(): number;
  /**
   * Ms from an arbitrary origin that never goes backwards (for measuring elapsed time: a wall-clock
   * step, e.g. NTP, must not make a quiet connection look busy or a token bucket refill).
   */
  monotonic(): number;
  /** Resolve after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Run `fn` once after `ms`; returns the function that cancels it. A pending timer never keeps the
   * process alive on its own (it is unref'd): it belongs to something that has its own reason to live.
   */
  after(ms: number, fn: () => void): () => void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    });
  },
  after(ms, fn) {
    // node:timers' handle has unref() whichever global timer typings are loaded.
    const t = setNodeTimeout(fn, ms);
    t.unref?.();
    return () => clearNodeTimeout(t);
  },
};
