/**
 * Which Piper voice speaks: `[voice] tts` (or a command's --voice), else the first installed Piper
 * voice in catalogue order, as pickWhisperModel does for Whisper. A voice is its `.onnx` and the
 * `.onnx.json` beside it: built-in entries install both; a custom entry (`[[installs.custom]]`
 * carries one file, the model) finds its config next to the model as `<model>.json`.
 */
import { stat } from "node:fs/promises";
import type { CatalogEntry } from "../../installs/types.ts";
import type { ModelSource } from "../model.ts";
import { VoiceError } from "../types.ts";

export interface PiperVoice {
  /** "piper:en_US-lessac-medium". */
  target: string;
  /** The `.onnx` model. */
  model: string;
  /** Its `.onnx.json`. */
  config: string;
}

export const PIPER_INSTALL_HINT = "install one with `bosun install piper:en_US-lessac-medium` (`bosun catalog piper` lists them)";

export async function pickPiperVoice(installs: ModelSource, wanted?: string): Promise<PiperVoice> {
  if (wanted) {
    if (!wanted.startsWith("piper:")) throw new VoiceError("voice_no_model", `${wanted} is not a Piper voice`, 'name one as "piper:ID", e.g. piper:en_US-lessac-medium');
    const entry = installs.entry(wanted);
    const s = await installs.status(wanted);
    if (s.state !== "installed") throw new VoiceError("voice_no_model", `the Piper voice ${wanted} is not installed (${s.state})`, `install it with \`bosun install ${wanted}\``);
    return voiceOf(installs, entry);
  }
  for (const entry of installs.entries()) {
    if (entry.engine !== "piper") continue;
    // Only entries with their model on disk are checked: verifying means hashing, and most are absent.
    const v = voiceOf(installs, entry);
    if (!(await isFile(v.model))) continue;
    if ((await installs.status(entry.target)).state === "installed") return v;
  }
  throw new VoiceError("voice_no_model", "no Piper voice is installed", PIPER_INSTALL_HINT);
}

function voiceOf(installs: ModelSource, entry: CatalogEntry): PiperVoice {
  const paths = installs.filePaths(entry);
  const model = paths.find((p) => p.endsWith(".onnx")) ?? paths[0]!;
  const config = paths.find((p) => p.endsWith(".onnx.json")) ?? `${model}.json`;
  return { target: entry.target, model, config };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
