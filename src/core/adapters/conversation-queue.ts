/** Runs tasks one at a time per key (a conversation's turns stay in order), keys concurrently. */
export class ConversationQueue {
  #tails = new Map<string, Promise<void>>();

  /** Queue `task` behind earlier tasks of the same key. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task).catch(() => undefined);
    this.#tails.set(key, next);
    void next.then(() => {
      if (this.#tails.get(key) === next) this.#tails.delete(key);
    });
    return next;
  }

  /** Resolves when every queued task has finished. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}
