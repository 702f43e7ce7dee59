/**
 * Runs tasks one at a time per session key (a conversation's turns stay in order), keys
 * concurrently, and knows how many tasks each key has queued or running (the waiting cap).
 * A key's entry is gone as soon as its last task ends, so memory follows the live sessions only.
 */
export class SessionQueue {
  #lanes = new Map<string, { tail: Promise<void>; depth: number }>();

  /** Queue `task` behind earlier tasks of the same key; resolves when it ran (it never rejects). */
  run(key: string, task: () => Promise<void>): Promise<void> {
    let lane = this.#lanes.get(key);
    if (!lane) this.#lanes.set(key, (lane = { tail: Promise.resolve(), depth: 0 }));
    lane.depth++;
    const l = lane;
    const next = l.tail.then(task, task).catch(() => undefined).then(() => {
      if (--l.depth === 0 && this.#lanes.get(key) === l) this.#lanes.delete(key);
    });
    l.tail = next;
    return next;
  }

  /** Tasks of `key` queued or running. */
  depth(key: string): number {
    return this.#lanes.get(key)?.depth ?? 0;
  }

  /** Keys with a task queued or running. */
  get size(): number {
    return this.#lanes.size;
  }

  /** Resolves when every queued task has finished. */
  async idle(): Promise<void> {
    while (this.#lanes.size > 0) await Promise.all([...this.#lanes.values()].map((l) => l.tail));
  }
}
