import type { CatalogEntry, Checksum } from "../types.ts";
import piperData from "./piper.json" with { type: "json" };
import whisperData from "./whisper.json" with { type: "json" };

/**
 * The shipped catalogue data (see each JSON file's `_source` for provenance):
 * - whisper.json: whisper.cpp ggml models; exact sizes from Hugging Face metadata, SHA-1 from
 *   whisper.cpp's models/README.md where it lists the model, else the Hugging Face LFS SHA-256.
 * - piper.json: rhasspy/piper-voices voices.json (v1.0.0), `.onnx` + `.onnx.json` with MD5.
 */

interface WhisperModel {
  id: string;
  family: string;
  language: string;
  quant?: string;
  size: number;
  sha1?: string;
  sha256?: string;
}

interface PiperVoice {
  key: string;
  name: string;
  language: string;
  languageName: string;
  country: string;
  quality: string;
  speakers: number;
  files: Array<{ path: string; size: number; md5: string }>;
}

const WHISPER_PREFIX = "ggerganov/whisper.cpp/resolve/main/";
const PIPER_PREFIX = "rhasspy/piper-voices/resolve/v1.0.0/";

function whisperChecksum(m: WhisperModel): Checksum {
  if (m.sha1) return { algo: "sha1", hex: m.sha1 };
  if (m.sha256) return { algo: "sha256", hex: m.sha256 };
  throw new Error(`whisper.json: ${m.id} has no checksum`);
}

function whisperEntry(m: WhisperModel): CatalogEntry {
  const file = `ggml-${m.id}.bin`;
  const lang = m.language === "en" ? "English-only" : "Multilingual";
  return {
    target: `whisper:${m.id}`,
    engine: "whisper",
    id: m.id,
    description: `${lang}, ${m.family}${m.quant ? `, quantized ${m.quant}` : ""}`,
    language: m.language,
    quality: m.family,
    files: [{ dest: file, source: WHISPER_PREFIX + file, size: m.size, checksum: whisperChecksum(m) }],
    size: m.size,
  };
}

function piperEntry(v: PiperVoice): CatalogEntry {
  const files = v.files.map((f) => ({
    dest: f.path.slice(f.path.lastIndexOf("/") + 1),
    source: PIPER_PREFIX + f.path,
    size: f.size,
    checksum: { algo: "md5", hex: f.md5 } satisfies Checksum,
  }));
  const speakers = v.speakers > 1 ? `, ${v.speakers} speakers` : "";
  return {
    target: `piper:${v.key}`,
    engine: "piper",
    id: v.key,
    description: `${v.languageName} (${v.country}), ${v.name}, ${v.quality.replace("_", "-")} quality${speakers}`,
    language: v.language,
    quality: v.quality,
    files,
    size: files.reduce((n, f) => n + f.size, 0),
  };
}

let cached: CatalogEntry[] | undefined;

/** Every built-in entry (whisper models, then piper voices), built once from the JSON data. */
export function loadBuiltin(): CatalogEntry[] {
  cached ??= [
    ...(whisperData.models as WhisperModel[]).map(whisperEntry),
    ...(piperData.voices as PiperVoice[]).map(piperEntry),
  ];
  return cached;
}
