import type { DatabaseSync } from "node:sqlite";
import { setImmediate } from "node:timers";

/**
 * Group commit for one connection: writes asked for in the same turn of the event loop share one
 * transaction, so a burst pays one commit (and writes each touched page once) instead of one per
 * write. Each write's promise settles only after its commit, so "stored" still means committed
 * before anyone is told. When any write of a group throws, the group is rolled back and each
 * write runs again in a transaction of its own: one bad write fails alone.
 */
export class WriteBatcher {
  #pending: Array<{ fn: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  constructor(private readonly db: DatabaseSync) {}

  /** Run `fn` (synchronous statements) in the next group's transaction; resolves with its result once committed. */
  write<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const group = this.#pending.splice(0);
    if (group.length === 0) return;
    const results: unknown[] = [];
    try {
      this.#tx(() => {
        for (const w of group) results.push(w.fn());
      });
    } catch {
      for (const w of group) {
        try {
          w.resolve(this.#tx(w.fn));
        } catch (err) {
          w.reject(err);
        }
      }
      return;
    }
    group.forEach((w, i) => w.resolve(results[i]));
  }

  #tx<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }
}
