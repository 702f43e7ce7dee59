const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Split text into chunks of at most `max` UTF-16 code units, in order, for chat platforms that
 * cap a message's length (Telegram 4096, Discord 2000). A cut prefers the last newline, then the
 * last space, in the second half of the window (so chunks don't get tiny), and never falls between
 * the two halves of a surrogate pair. The whitespace a cut lands on is dropped, and chunks with
 * nothing but whitespace are left out: platforms trim message text and reject empty messages.
 */
export function splitOnBoundaries(text: string, max: number): string[] {
  if (max < 2) throw new RangeError("max must be at least 2");
  const out: string[] = [];
  const keep = (s: string) => {
    if (s.trim() !== "") out.push(s);
  };
  let rest = text;
  while (rest.length > max) {
    let cut = max;
    if (isHighSurrogate(rest.charCodeAt(cut - 1)) && isLowSurrogate(rest.charCodeAt(cut))) cut -= 1;
    const window = rest.slice(0, cut);
    const floor = Math.floor(max / 2);
    let at = window.lastIndexOf("\n");
    if (at < floor) at = window.lastIndexOf(" ");
    if (at >= floor) {
      keep(rest.slice(0, at));
      rest = rest.slice(at + 1);
    } else {
      keep(window);
      rest = rest.slice(cut);
    }
  }
  keep(rest);
  return out;
}
