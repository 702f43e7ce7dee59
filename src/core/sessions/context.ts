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
  #map = new Map<string, { history: HistoryMessage[]; chars: number }>();
  #chars = 0;
  /** At most `max` sessions and `maxChars` characters of history in all (a long context counts for what it holds). */
  constructor(
    private readonly max: number,
    private readonly maxChars: number,
  ) {}

  get(key: string): HistoryMessage[] | undefined {
    const v = this.#map.get(key);
    if (v) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v?.history;
  }

  set(key: string, history: HistoryMessage[]): void {
    this.delete(key);
    const chars = history.reduce((n, m) => n + m.content.length, 0);
    if (chars > this.maxChars) return;
    this.#map.set(key, { history, chars });
    this.#chars += chars;
    while (this.#map.size > this.max || this.#chars > this.maxChars) this.delete(this.#map.keys().next().value!);
  }

  delete(key: string): void {
    const v = this.#map.get(key);
    if (!v) return;
    this.#map.delete(key);
    this.#chars -= v.chars;
  }

  get size(): number {
    return this.#map.size;
  }
}
