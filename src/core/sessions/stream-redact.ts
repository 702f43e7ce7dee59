/**
 * Streamed text, redacted before anyone sees it. A secret can arrive split over several deltas,
 * so deltas are not redacted one by one: the text so far is, up to its last whitespace (a key or
 * token has none, so one that is complete there is recognised whole) and at least `holdBack`
 * characters before its end (a literal secret with spaces in it, a passphrase, is not shown in
 * part either), and only what is new of that redacted text goes out. When redacting the longer text changes what was already sent (a
 * pattern that spans the cut), the channel is told to restart and gets the redacted text afresh.
 */
export class RedactedStream {
  #raw = "";
  #sent = "";
  #cut = 0;
  constructor(
    private readonly redact: (text: string) => string,
    private readonly onText: (text: string) => void,
    private readonly onRestart: () => void,
    private readonly holdBack = 0,
  ) {}

  /** The next delta of the model's text. */
  push(delta: string): void {
    this.#raw += delta;
    // Only when a new boundary arrived can more be shown; and the whole text is redacted again only
    // after a 64th of its length is new (or a line ended): a stream of one-character deltas costs
    // O(n log n), not O(n²), and the first words still show one by one.
    const rawCut = lastBoundary(this.#raw, this.#raw.length);
    if (rawCut > this.#cut && (rawCut - this.#cut >= this.#raw.length / FLUSH_FRACTION || delta.includes("\n"))) this.#flush(rawCut);
  }

  /** The text so far is void (a retry or a fallback starts afresh). */
  restart(): void {
    this.#raw = "";
    this.#cut = 0;
    if (this.#sent === "") return;
    this.#sent = "";
    this.onRestart();
  }

  /**
   * The whole text so far is redacted (a secret complete anywhere in it is hidden), then shown up
   * to its last whitespace that leaves `holdBack` characters after it: what may still be the start
   * of a secret (at most that long, at the very end) stays back.
   */
  #flush(rawCut: number): void {
    this.#cut = rawCut;
    const redacted = this.redact(this.#raw);
    const safe = redacted.slice(0, lastBoundary(redacted, redacted.length - this.holdBack));
    if (safe.length <= this.#sent.length && this.#sent.startsWith(safe)) return;
    if (safe.startsWith(this.#sent)) {
      this.onText(safe.slice(this.#sent.length));
    } else {
      this.onRestart();
      if (safe) this.onText(safe);
    }
    this.#sent = safe;
  }
}

/** The whole text is redacted again once this fraction of it (1/64) is new. */
const FLUSH_FRACTION = 64;

/**
 * The index just past the last boundary before `limit` (0 when there is none): whitespace, or a
 * character outside ASCII. Keys and tokens are ASCII without spaces, so one cannot straddle a
 * boundary; text in scripts without spaces (Chinese, Japanese) still streams.
 */
function lastBoundary(s: string, limit: number): number {
  for (let i = Math.min(s.length, limit) - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13 || c > 0x7f) return i + 1;
  }
  return 0;
}
