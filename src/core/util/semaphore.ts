/** At most `limit` holders at once; the rest wait in arrival order. */
export class Semaphore {
  #free: number;
  #limit: number;
  #waiters: Array<() => void> = [];
  constructor(limit: number) {
    this.#free = limit;
    this.#limit = limit;
  }

  /** Wait for a slot; the returned function gives it back (once). An aborted wait rejects and takes no slot. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#free--;
    } else {
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.#waiters.indexOf(grant);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal!.reason);
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(grant);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#free++;
    };
  }

  /** Change the limit (a config reload): more slots wake waiters now; fewer take effect as holders leave. */
  resize(limit: number): void {
    this.#free += limit - this.#limit;
    this.#limit = limit;
    while (this.#free > 0 && this.#waiters.length > 0) {
      this.#free--;
      this.#waiters.shift()!();
    }
  }
}
