/**
 * A test "Piper voice" that speaks one tone per phoneme id: a tiny ONNX model with Piper's inputs
 * (`input` int64 [1,N], `input_lengths` int64 [1], `scales` float [3]) and output (`output` float
 * [1,1,samples]) that emits PER_ID samples of a sine at 300 + 40·id Hz for each id, plus the
 * matching `.onnx.json`. readToneIds reads the ids back from audio (also after an Opus round trip),
 * so a test can check that a reply was spoken from exactly the phonemes of its text.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const TONE_RATE = 22_050;
/** 50 ms per id. */
export const PER_ID = 1102;
export const toneFrequency = (id: number) => 300 + 40 * id;

/**
 * The ids of the test voice: Piper's specials first ("_" pad 0, "^" BOS 1, "$" EOS 2, " " 3), then
 * every symbol espeak-ng's en-us voice writes (IPA letters, stress and length marks, combining
 * marks) and a little punctuation. Kept under 100 ids so every tone stays below 4.3 kHz, well
 * inside what a 16 kHz decode keeps.
 */
const SYMBOLS = [
  "_", "^", "$", " ", "!", "'", ",", "-", ".", ":", ";", "?",
  "a", "b", "d", "e", "f", "h", "i", "j", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "v", "w", "x", "z",
  "æ", "ç", "ð", "ø", "ŋ", "œ", "ɐ", "ɑ", "ɒ", "ɔ", "ə", "ɚ", "ɛ", "ɜ", "ɡ", "ɪ", "ɫ", "ɬ", "ɲ", "ɹ", "ɾ", "ʃ", "ʊ", "ʌ", "ʒ", "ʔ", "ʲ",
  "θ", "ᵻ", "ˈ", "ˌ", "ː", "\u0303", "\u0329", "ɝ", "ɔ̃", "ʍ", "ɣ", "ɯ", "ʁ", "χ", "ɕ", "ʑ", "ɦ", "ʋ", "c", "g", "q", "y",
].filter((s) => [...s.normalize("NFD")].length === 1);

export const TONE_ID_MAP: Record<string, number[]> = Object.fromEntries(SYMBOLS.map((s, i) => [s, [i]]));

export function toneVoiceConfig(): Record<string, unknown> {
  return {
    audio: { sample_rate: TONE_RATE, quality: "test" },
    espeak: { voice: "en-us" },
    inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
    phoneme_type: "espeak",
    phoneme_id_map: TONE_ID_MAP,
    num_symbols: SYMBOLS.length,
    num_speakers: 1,
    language: { code: "en_US" },
    dataset: "tone",
  };
}

/**
 * Write `<dir>/<id>.onnx` and `<dir>/<id>.onnx.json`. Returns the model's path, size and sha256
 * (for an `[[installs.custom]]` entry).
 */
export function writeToneVoice(dir: string, id = "tone"): { onnx: string; json: string; size: number; sha256: string } {
  mkdirSync(dir, { recursive: true });
  const onnx = join(dir, `${id}.onnx`);
  const model = toneModel();
  writeFileSync(onnx, model);
  const json = `${onnx}.json`;
  writeFileSync(json, JSON.stringify(toneVoiceConfig(), null, 2));
  return { onnx, json, size: model.length, sha256: createHash("sha256").update(model).digest("hex") };
}

/** What the model outputs for `ids`, computed in JS (the same sines). */
export function toneSamples(ids: number[], rate = TONE_RATE): Float32Array {
  const out = new Float32Array(ids.length * PER_ID);
  ids.forEach((id, k) => {
    for (let i = 0; i < PER_ID; i++) out[k * PER_ID + i] = 0.5 * Math.sin((2 * Math.PI * toneFrequency(id) * i) / rate);
  });
  return out;
}

/**
 * The ids in `samples` (mono, any rate): each run of sound is cut into PER_ID-long windows (scaled
 * to the rate) from its onset, and each window's frequency is the strongest candidate tone over
 * its middle half. Silence between runs (a voice's pause between sentences) is skipped.
 */
export function readToneIds(samples: Float32Array, sampleRate: number, maxId = SYMBOLS.length + 20): number[] {
  const win = (PER_ID * sampleRate) / TONE_RATE;
  const ids: number[] = [];
  let pos = 0;
  const n = samples.length;
  while (pos < n) {
    while (pos < n && Math.abs(samples[pos]!) < 0.08) pos++;
    if (pos >= n) break;
    // Back up to the zero crossing the tone started at (the first samples of a sine are small).
    let start = pos;
    while (start > 0 && Math.abs(samples[start - 1]!) > 0.005 && pos - start < 8) start--;
    let k = 0;
    for (; ; k++) {
      const a = Math.round(start + k * win);
      const b = Math.min(n, Math.round(start + (k + 1) * win));
      // The onset may be found a sample or two late: a window cut short by that is still read.
      if (b - a < (3 * win) / 4) break;
      const lo = Math.round(a + (b - a) / 4);
      const hi = Math.round(b - (b - a) / 4);
      if (rms(samples, lo, hi) < 0.05) break;
      ids.push(strongest(samples, lo, hi, sampleRate, maxId));
    }
    pos = Math.round(start + Math.max(1, k) * win);
  }
  return ids;
}

function rms(x: Float32Array, lo: number, hi: number): number {
  let s = 0;
  for (let i = lo; i < hi; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, hi - lo));
}

/** Goertzel power at each candidate frequency; the id of the strongest. */
function strongest(x: Float32Array, lo: number, hi: number, rate: number, maxId: number): number {
  let best = -1;
  let bestPower = -1;
  for (let id = 0; id <= maxId; id++) {
    const w = (2 * Math.PI * toneFrequency(id)) / rate;
    const c = 2 * Math.cos(w);
    let s1 = 0;
    let s2 = 0;
    for (let i = lo; i < hi; i++) {
      const s0 = x[i]! + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const p = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (p > bestPower) {
      bestPower = p;
      best = id;
    }
  }
  return best;
}

// --- A minimal ONNX (protobuf) writer: just what the tone graph needs. ---

type Bytes = Uint8Array;
const enc = new TextEncoder();
function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const o: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    o.push(b);
  } while (v);
  return o;
}
function cat(parts: (Bytes | number[])[]): Bytes {
  const o = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let i = 0;
  for (const p of parts) {
    o.set(p, i);
    i += p.length;
  }
  return o;
}
const key = (f: number, w: number) => varint((f << 3) | w);
const vi = (f: number, n: number | bigint) => cat([key(f, 0), varint(n)]);
const bytes = (f: number, b: Bytes) => cat([key(f, 2), varint(b.length), b]);
const str = (f: number, s: string) => bytes(f, enc.encode(s));
const msg = (f: number, ...parts: Bytes[]) => bytes(f, cat(parts));
const FLOAT = 1;
const INT64 = 7;
function tensor(f: number, name: string, type: number, dims: number[], data: number[]): Bytes {
  const raw = type === FLOAT ? new Uint8Array(new Float32Array(data).buffer) : new Uint8Array(new BigInt64Array(data.map(BigInt)).buffer);
  return msg(f, ...dims.map((d) => vi(1, d)), vi(2, type), str(8, name), bytes(9, raw));
}
function node(op: string, ins: string[], outs: string[], attrs: Bytes[] = []): Bytes {
  return msg(1, ...ins.map((s) => str(1, s)), ...outs.map((s) => str(2, s)), str(3, `${outs[0]}_n`), str(4, op), ...attrs);
}
const attrInt = (name: string, v: number) => msg(5, str(1, name), vi(3, v), vi(20, 2));
function valueInfo(f: number, name: string, type: number, dims: (number | string)[]): Bytes {
  return msg(f, str(1, name), msg(2, msg(1, vi(1, type), msg(2, ...dims.map((d) => (typeof d === "number" ? msg(1, vi(1, d)) : msg(1, str(2, d))))))));
}

/** output = reshape(0.5·sin(2π·(300 + 40·id)·t), [1,1,-1]) for t = i/rate, i < PER_ID, per id. */
export function toneModel(): Bytes {
  const t = Array.from({ length: PER_ID }, (_, i) => (2 * Math.PI * i) / TONE_RATE);
  const graph = cat([
    node("Cast", ["input"], ["idf"], [attrInt("to", FLOAT)]),
    node("Mul", ["idf", "step"], ["f1"]),
    node("Add", ["f1", "base"], ["freq"]),
    node("Transpose", ["freq"], ["freqT"]), // [1,N] -> [N,1]
    node("Mul", ["freqT", "t"], ["phase"]), // [N,1]*[1,S] -> [N,S]
    node("Sin", ["phase"], ["s"]),
    node("Mul", ["s", "amp"], ["sa"]),
    node("Reshape", ["sa", "shape"], ["output"]),
    str(2, "tone"),
    tensor(5, "step", FLOAT, [], [40]),
    tensor(5, "base", FLOAT, [], [300]),
    tensor(5, "amp", FLOAT, [], [0.5]),
    tensor(5, "t", FLOAT, [1, PER_ID], t),
    tensor(5, "shape", INT64, [3], [1, 1, -1]),
    valueInfo(11, "input", INT64, [1, "n"]),
    valueInfo(11, "input_lengths", INT64, [1]),
    valueInfo(11, "scales", FLOAT, [3]),
    valueInfo(12, "output", FLOAT, [1, 1, "samples"]),
  ]);
  return cat([vi(1, 8), str(2, "bosun-test"), bytes(7, graph), msg(8, str(1, ""), vi(2, 13))]);
}

/**
 * Put the tone voice into `<home>/models/piper/` as a custom target and return the
 * `[[installs.custom]]` TOML that makes it an installed voice (the URL is never fetched: the file
 * is there and verifies). A custom entry carries one file, the model; its `.onnx.json` sits next
 * to it, where the synthesizer looks for a custom voice's config.
 */
export function installToneVoice(home: string, id = "tone"): { target: string; toml: string; onnx: string; json: string; size: number; sha256: string } {
  const v = writeToneVoice(join(home, "models", "piper"), id);
  const target = `piper:${id}`;
  const toml = `[[installs.custom]]\ntarget = "${target}"\nurl = "http://127.0.0.1:9/${id}.onnx"\nsize = ${v.size}\nsha256 = "${v.sha256}"\n`;
  return { target, toml, ...v };
}
