/** The IRC line limit, in bytes, including the server-added prefix and the CRLF. */
export const IRC_LINE_BYTES = 512;

/** Smallest text budget we accept: a line must fit at least a few characters. */
const MIN_BUDGET = 16;

/** UTF-8 length of a string without allocating. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Bytes left for the text of one PRIVMSG as other clients receive it:
 * `:<selfPrefix> PRIVMSG <target> :<text>\r\n` must fit in 512 bytes.
 */
export function privmsgTextBudget(target: string, selfPrefix: string): number {
  return IRC_LINE_BYTES - utf8Bytes(`:${selfPrefix} PRIVMSG ${target} :`) - 2;
}

export interface SplitLimits {
  /** Largest UTF-8 size of one piece. */
  maxBytes: number;
  /** Largest number of code points of one piece (Twitch drops messages over 500). */
  maxChars?: number;
}

const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

function graphemes(s: string): string[] {
  if (!segmenter) return Array.from(s);
  return Array.from(segmenter.segment(s), (x) => x.segment);
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const isSpace = (g: string) => g === " " || g === "\t";

/**
 * Split outbound text into IRC message texts: each line of the text becomes its own piece(s),
 * blank lines are dropped, long lines are cut at the last space that fits (the space is
 * dropped) or, with no space, between characters — never inside a UTF-8 sequence or a
 * grapheme cluster (unless one cluster alone is over the limit).
 */
export function splitText(text: string, limits: SplitLimits): string[] {
  const maxBytes = limits.maxBytes;
  const maxChars = limits.maxChars ?? Number.POSITIVE_INFINITY;
  if (maxBytes < MIN_BUDGET || maxChars < 1) throw new Error(`the message target is too long to leave room for text (${maxBytes} bytes)`);
  const out: string[] = [];
  // NUL can't travel over IRC and \x01 would turn the line into a CTCP request.
  const clean = text.replace(/[\0\x01]/g, "").replace(/\r\n?/g, "\n");
  for (const line of clean.split("\n")) {
    if (line.trim() === "") continue;
    splitLine(line, maxBytes, maxChars, out);
  }
  return out;
}

function splitLine(line: string, maxBytes: number, maxChars: number, out: string[]): void {
  let segs: string[] = [];
  let bytes = 0;
  let chars = 0;
  let lastSpace = -1;
  const recount = () => {
    bytes = 0;
    chars = 0;
    lastSpace = -1;
    segs.forEach((g, i) => {
      bytes += utf8Bytes(g);
      chars += codePoints(g);
      if (isSpace(g)) lastSpace = i;
    });
  };
  const emit = (piece: string) => {
    if (piece.trim() !== "") out.push(piece);
  };
  const cut = () => {
    if (lastSpace > 0) {
      emit(segs.slice(0, lastSpace).join(""));
      segs = segs.slice(lastSpace + 1);
    } else {
      emit(segs.join(""));
      segs = [];
    }
    recount();
  };
  for (const g of graphemes(line)) {
    // A cluster that can't fit anywhere (e.g. stacked combining marks) is cut between code points.
    const pieces = utf8Bytes(g) > maxBytes || codePoints(g) > maxChars ? Array.from(g) : [g];
    for (const piece of pieces) {
      const b = utf8Bytes(piece);
      const c = codePoints(piece);
      while (segs.length > 0 && (bytes + b > maxBytes || chars + c > maxChars)) cut();
      segs.push(piece);
      bytes += b;
      chars += c;
      if (isSpace(piece)) lastSpace = segs.length - 1;
    }
  }
  emit(segs.join(""));
}
