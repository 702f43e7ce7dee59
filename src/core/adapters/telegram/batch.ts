import { advanceOffset } from "./offset.ts";

/**
 * Tracks one getUpdates batch until the gateway has accepted every message in it. The offset on
 * disk moves to just past the longest accepted prefix of the batch, so a crash never skips a
 * message that came before an accepted one.
 */
export class Batch {
  readonly #ids: number[];
  readonly #done = new Set<number>();
  readonly #stateFile: string;
  #prefix = 0;
  #resolve!: () => void;
  /** Resolves once every update of the batch is handled. */
  readonly allDone = new Promise<void>((r) => (this.#resolve = r));

  /** `ids` in ascending order. */
  constructor(ids: number[], stateFile: string) {
    this.#ids = ids;
    this.#stateFile = stateFile;
    if (ids.length === 0) this.#resolve();
  }

  /** Mark one update handled (ids not in this batch are ignored); with `persist`, store the offset if the accepted prefix grew. */
  markDone(id: number, persist: boolean): void {
    if (!this.#ids.includes(id)) return;
    this.#done.add(id);
    const before = this.#prefix;
    while (this.#prefix < this.#ids.length && this.#done.has(this.#ids[this.#prefix]!)) this.#prefix++;
    if (this.#prefix === this.#ids.length) this.#resolve();
    if (persist && this.#prefix > before) this.persist();
  }

  /** Write the offset of the accepted prefix (no-op when nothing is accepted). */
  persist(): void {
    if (this.#prefix > 0) advanceOffset(this.#stateFile, this.nextOffset(0));
  }

  /** The offset that confirms exactly the handled prefix (`fallback` when nothing is handled). */
  nextOffset(fallback: number): number {
    return this.#prefix > 0 ? this.#ids[this.#prefix - 1]! + 1 : fallback;
  }

  /** Ids not handled yet. */
  get missing(): number[] {
    return this.#ids.filter((id) => !this.#done.has(id));
  }
}
