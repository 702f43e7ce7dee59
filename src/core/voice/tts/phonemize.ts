/**
 * Text → phonemes, one string per clause, with espeak-ng compiled to WASM inside phonemizer (no
 * espeak-ng or data folder needed at run time). It splits at clause punctuation and drops it, as
 * `espeak-ng --ipa` does; each clause becomes one run of the model, with a pause between.
 * phonemizer's espeak-ng carries English voices only (en-us, en-gb...): other voices fail clearly.
 * Imported lazily: the module carries espeak-ng's data (about 18 MB of JS).
 *
 * espeak-ng runs synchronously on the gateway's one thread (about 1 s for 4,000 characters), so
 * the text is cut into pieces first, at clause punctuation where it can be (where espeak-ng splits
 * anyway, so the clauses are the same), and the event loop gets a turn between pieces.
 */
import { AbortedError } from "../../util/abort.ts";
import { VoiceError } from "../types.ts";

/** Longest piece espeak-ng is given at once (roughly 75 ms of blocking). */
export const MAX_PIECE_CHARS = 300;

type Phonemizer = typeof import("phonemizer");
let phonemizer: Promise<Phonemizer> | null = null;

/**
 * Emscripten's Node glue installs process-wide `uncaughtException` and `unhandledRejection`
 * handlers that rethrow: loaded as is, one stray rejection anywhere would kill the gateway. The
 * handlers it adds while loading are removed again.
 */
async function load(): Promise<Phonemizer> {
  const events = ["uncaughtException", "unhandledRejection"] as const;
  const before = events.map((e) => new Set(process.listeners(e)));
  try {
    return await import("phonemizer");
  } finally {
    events.forEach((e, i) => {
      for (const l of process.listeners(e)) if (!before[i]!.has(l)) process.off(e, l as (...a: unknown[]) => void);
    });
  }
}

export async function phonemizeClauses(text: string, espeakVoice: string, signal?: AbortSignal): Promise<string[]> {
  phonemizer ??= load();
  const p = await phonemizer;
  const clauses: string[] = [];
  for (const [i, piece] of textPieces(text, MAX_PIECE_CHARS).entries()) {
    if (i > 0) {
      // A macrotask, not a microtask: timers, sockets and other turns run before the next piece.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw new AbortedError();
    }
    try {
      clauses.push(...(await p.phonemize(piece, espeakVoice)));
    } catch (err) {
      // phonemizer throws a bare string for an unknown voice, followed by the whole list of voices.
      const why = (err instanceof Error ? err.message : String(err)).split(". Should be")[0]!.slice(0, 200);
      throw new VoiceError("voice_failed", `espeak-ng cannot phonemize for the voice "${espeakVoice}": ${why}`, "the espeak-ng inside bosun speaks English only (en-us, en-gb...)");
    }
  }
  return clauses.map((c) => c.trim()).filter(Boolean);
}

/** Where a cut is best: after a sentence's end, then after a clause mark, then at any space. */
const CUTS = [/[.!?]+["')\]]*\s/g, /[,;:]["')\]]*\s/g, /\s/g];

/**
 * `text` in pieces of at most `max` UTF-16 code units, cut after the last sentence end in reach,
 * else the last clause mark, else the last space; a run with no space at all is cut hard (never
 * inside a surrogate pair).
 */
export function textPieces(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = 0;
    for (const re of CUTS) {
      for (const m of window.matchAll(re)) cut = m.index + m[0].length;
      if (cut > 0) break;
    }
    if (cut === 0) {
      cut = max;
      const c = rest.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut -= 1;
    }
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.trim()) out.push(rest);
  return out.filter((s) => s.trim() !== "");
}
