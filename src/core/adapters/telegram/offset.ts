import { readJson, writeFileAtomic } from "../../util/fsx.ts";

/** What the adapter keeps in its state file. */
export interface TelegramState {
  /** The next getUpdates offset: 1 + the highest update_id the gateway has accepted. */
  offset: number;
}

/** Read the stored offset; 0 (= "from the earliest unconfirmed update") when missing or invalid. */
export function readOffset(stateFile: string): number {
  const state = readJson<Partial<TelegramState>>(stateFile);
  const offset = state?.offset;
  return typeof offset === "number" && Number.isSafeInteger(offset) && offset > 0 ? offset : 0;
}

/**
 * Store `offset` (atomically, mode 0600) unless the file already holds a higher one. The offset
 * only moves forward: an accept arriving late from an adapter instance that was already replaced
 * must not send the new instance back to updates it has confirmed.
 */
export function advanceOffset(stateFile: string, offset: number): void {
  if (offset <= readOffset(stateFile)) return;
  const state: TelegramState = { offset };
  writeFileAtomic(stateFile, JSON.stringify(state) + "\n", 0o600);
}
