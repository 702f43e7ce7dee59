/**
 * Streamed text, redacted before anyone sees it. A secret can arrive split over several deltas,
 * so deltas are not redacted one by one: the text so far is, up to its last whitespace (a key or
 * token has none, so one that is complete there is recognised whole), and only what is new of
 * that redacted text goes out. When redacting the longer text changes what was already sent (a
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
  ) {}

  /** The next delta of the model's text. */
  push(delta: string): void {
    this.#raw += delta;
    const cut = lastWhitespace(this.#raw);
    if (cut > this.#cut) this.#flush(cut);
  }

  /** The text so far is void (a retry or a fallback starts afresh). */
  restart(): void {
    this.#raw = "";
    this.#cut = 0;
    if (this.#sent === "") return;
    this.#sent = "";
    this.onRestart();
  }

  #flush(cut: number): void {
    this.#cut = cut;
    const safe = this.redact(this.#raw.slice(0, cut));
    if (safe.startsWith(this.#sent)) {
      const more = safe.slice(this.#sent.length);
      if (more) this.onText(more);
    } else {
      this.onRestart();
      if (safe) this.onText(safe);
    }
    this.#sent = safe;
  }
}

/** The index just past the last whitespace character, 0 when there is none. */
function lastWhitespace(s: string): number {
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) return i + 1;
  }
  return 0;
}
