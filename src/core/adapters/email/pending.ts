/**
 * UIDs handed to the gateway and not yet accepted. The stored lastUid may only pass a UID once
 * every UID below it is accepted (or skipped): otherwise a crash would forget a mail the gateway
 * never stored. Accepts can come in any order.
 */
export class PendingUids {
  readonly #open = new Set<number>();
  #highest: number;

  constructor(lastUid: number) {
    this.#highest = lastUid;
  }

  /** A UID taken from the folder (handed over, or skipped: then `done` at once). */
  take(uid: number): void {
    if (uid > this.#highest) this.#highest = uid;
    this.#open.add(uid);
  }

  /** `uid` is accepted (or skipped); returns the UID everything up to which is done. */
  done(uid: number): number {
    this.#open.delete(uid);
    return this.committed;
  }

  /** The highest UID with nothing open at or below it. */
  get committed(): number {
    let min = Infinity;
    for (const u of this.#open) if (u < min) min = u;
    return min === Infinity ? this.#highest : min - 1;
  }
}
