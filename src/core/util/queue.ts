/** An unbounded async queue that is also an async iterable; the adapter streams are built on it. */
/** What a finished stream answers: no value. */
const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiters: Array<{ resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void }> = [];
  #done = false;
  #error: unknown = undefined;

  /** Add an item; ignored after end. */
  push(item: T): void {
    if (this.#done) return;
    const w = this.#waiters.shift();
    if (w) w.resolve({ value: item, done: false });
    else this.#items.push(item);
  }

  /** End the stream; with an error, consumers see it thrown after the buffered items. */
  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    for (const w of this.#waiters.splice(0)) {
      if (error !== undefined) w.reject(error);
      else w.resolve(DONE);
    }
  }

  get ended(): boolean {
    return this.#done;
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => {
        if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
        if (this.#done) {
          return this.#error !== undefined ? Promise.reject(this.#error) : Promise.resolve(DONE);
        }
        return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
      },
      return: () => {
        this.end();
        return Promise.resolve(DONE);
      },
    };
  }
}
