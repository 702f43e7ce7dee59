/**
 * Full-jitter exponential backoff (AWS): sleep = random(0, min(cap, base * 2^(n-1))) for the
 * n-th consecutive failure (n >= 1).
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number, random: () => number): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 40)));
  return Math.floor(random() * exp);
}
