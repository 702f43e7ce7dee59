import type { HistoryMessage } from "./store.ts";

/** How many stored messages a prompt is built from at most, before the token budget trims them. */
export const HISTORY_ROWS = 400;

/**
 * A token estimate good enough for a budget: about four characters per token plus a few for the
 * message's framing. Real tokenisers differ by model; the budget is a bound, not an exact count.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/**
 * The newest messages of `history` (oldest first) that fit in `budget` tokens, oldest first.
 * The kept part starts at a user message, so a prompt never opens with a reply to nothing.
 */
export function fitHistory(history: readonly HistoryMessage[], budget: number): HistoryMessage[] {
  let used = 0;
  let from = history.length;
  while (from > 0) {
    const cost = estimateTokens(history[from - 1]!.content);
    if (used + cost > budget) break;
    used += cost;
    from--;
  }
  while (from < history.length && history[from]!.role !== "user") from++;
  return from === 0 ? history.slice() : history.slice(from);
}

/**
 * Per-session prompt history kept in memory, bounded: least recently used sessions are evicted
 * and rebuilt from the store on their next turn, so memory does not grow with the number of
 * conversations ever seen.
 */
export class HistoryCache {
  #map = new Map<string, HistoryMessage[]>();
  constructor(private readonly max: number) {}

  get(key: string): HistoryMessage[] | undefined {
    const v = this.#map.get(key);
    if (v) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: string, history: HistoryMessage[]): void {
    this.#map.delete(key);
    this.#map.set(key, history);
    while (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value!);
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}
