/**
 * Text → phonemes, one string per clause, with espeak-ng compiled to WASM inside phonemizer (no
 * espeak-ng or data folder needed at run time). It splits at clause punctuation and drops it, as
 * `espeak-ng --ipa` does; each clause becomes one run of the model, with a pause between.
 * phonemizer's espeak-ng carries English voices only (en-us, en-gb...): other voices fail clearly.
 * Imported lazily: the module carries espeak-ng's data (about 18 MB of JS).
 */
import { VoiceError } from "../types.ts";

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

export async function phonemizeClauses(text: string, espeakVoice: string): Promise<string[]> {
  phonemizer ??= load();
  let clauses: string[];
  try {
    clauses = await (await phonemizer).phonemize(text, espeakVoice);
  } catch (err) {
    // phonemizer throws a bare string for an unknown voice, followed by the whole list of voices.
    const why = (err instanceof Error ? err.message : String(err)).split(". Should be")[0]!.slice(0, 200);
    throw new VoiceError("voice_failed", `espeak-ng cannot phonemize for the voice "${espeakVoice}": ${why}`, "the espeak-ng inside bosun speaks English only (en-us, en-gb...)");
  }
  return clauses.map((c) => c.trim()).filter(Boolean);
}
