/** First index of a `size`-row window over `total` rows that keeps `selected` visible. */
export function windowStart(total: number, selected: number, size: number): number {
  if (total <= size) return 0;
  return Math.min(Math.max(0, selected - size + 1), total - size);
}
