/**
 * A Piper voice's `<voice>.onnx.json`: the sample rate, the espeak voice that phonemizes for it,
 * the inference scales and the phoneme → ids map. The file comes from a download (or a custom
 * install): every field is checked, and anything wrong is a VoiceError naming the field.
 */
import { VoiceError } from "../types.ts";

export interface PiperVoiceConfig {
  sampleRate: number;
  /** The espeak-ng voice ("en-us"). */
  espeakVoice: string;
  noiseScale: number;
  lengthScale: number;
  noiseW: number;
  /** One phoneme (a single codepoint after NFD) → its ids. */
  idMap: Map<string, number[]>;
  numSpeakers: number;
}

/** Bigger than any real voice's config (about 5 KB): refuse before parsing. */
export const MAX_CONFIG_BYTES = 1_000_000;
const MAX_ID = 1_000_000;

export function parsePiperConfig(text: string, name: string): PiperVoiceConfig {
  const bad = (why: string) => new VoiceError("voice_failed", `the Piper voice config ${name} is invalid: ${why}`, "reinstall the voice with `bosun install --force`");
  if (text.length > MAX_CONFIG_BYTES) throw bad(`it is bigger than ${MAX_CONFIG_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad("it is not JSON");
  }
  if (!isObject(json)) throw bad("it is not a JSON object");
  const audio = json.audio;
  const rate = isObject(audio) ? audio.sample_rate : undefined;
  if (!Number.isInteger(rate) || (rate as number) < 8000 || (rate as number) > 96_000) throw bad("audio.sample_rate must be an integer from 8000 to 96000");
  const type = json.phoneme_type;
  if (type !== undefined && type !== "espeak") throw bad(`phoneme_type "${String(type).slice(0, 40)}" is not supported (only espeak)`);
  const espeak = json.espeak;
  const voice = isObject(espeak) ? espeak.voice : undefined;
  if (typeof voice !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_+-]{0,40}$/.test(voice)) throw bad("espeak.voice must name an espeak-ng voice such as \"en-us\"");
  const inf = isObject(json.inference) ? json.inference : {};
  const scale = (key: string, dflt: number) => {
    const v = inf[key] ?? dflt;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 10) throw bad(`inference.${key} must be a number from 0 to 10`);
    return v;
  };
  const map = json.phoneme_id_map;
  if (!isObject(map)) throw bad("phoneme_id_map must be an object");
  const idMap = new Map<string, number[]>();
  for (const [phoneme, ids] of Object.entries(map)) {
    if ([...phoneme].length !== 1) continue; // Piper maps single codepoints; anything else can never match.
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 16 || !ids.every((id) => Number.isInteger(id) && id >= 0 && id <= MAX_ID)) {
      throw bad(`phoneme_id_map["${escape(phoneme)}"] must be a list of ids (integers from 0)`);
    }
    idMap.set(phoneme, ids as number[]);
  }
  for (const special of ["_", "^", "$"]) if (!idMap.has(special)) throw bad(`phoneme_id_map has no "${special}"`);
  const speakers = json.num_speakers ?? 1;
  if (!Number.isInteger(speakers) || (speakers as number) < 1 || (speakers as number) > 100_000) throw bad("num_speakers must be a positive integer");
  return {
    sampleRate: rate as number,
    espeakVoice: voice.toLowerCase(),
    noiseScale: scale("noise_scale", 0.667),
    lengthScale: scale("length_scale", 1),
    noiseW: scale("noise_w", 0.8),
    idMap,
    numSpeakers: speakers as number,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function escape(s: string): string {
  return [...s].map((c) => (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(c) ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`)).join("");
}
