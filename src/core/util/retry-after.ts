/**
 * How long a server asked us to wait before retrying: `retry-after-ms` (OpenAI, Composio's
 * generated clients), else `retry-after` in seconds or as an HTTP date. Null when it said nothing
 * usable. `nowMs` is injected so a date is read against the caller's clock.
 */
export function retryAfterMs(headers: Headers | null | undefined, nowMs: number): number | null {
  const ms = headers?.get("retry-after-ms")?.trim();
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const s = headers?.get("retry-after")?.trim();
  if (s) {
    if (Number.isFinite(Number(s))) return Math.max(0, Number(s) * 1000);
    const at = Date.parse(s);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  return null;
}
