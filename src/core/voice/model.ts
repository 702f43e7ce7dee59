/**
 * Which Whisper model transcribes: `[voice] stt` (or a command's --model), else the first
 * installed Whisper model in catalogue order. Installed means verified by the installer, so a
 * half-downloaded or corrupt file is never handed to the sidecar.
 */
import { stat } from "node:fs/promises";
import type { Installer } from "../installs/installer.ts";
import { VoiceError } from "./types.ts";

export interface WhisperModel {
  /** "whisper:base.en". */
  target: string;
  /** The ggml file. */
  path: string;
}

export type ModelSource = Pick<Installer, "entry" | "entries" | "status" | "filePaths">;

const INSTALL_HINT = "install one with `bosun install whisper:base.en` (`bosun catalog whisper` lists them)";

export async function pickWhisperModel(installs: ModelSource, wanted?: string): Promise<WhisperModel> {
  if (wanted) {
    if (!wanted.startsWith("whisper:")) throw new VoiceError("voice_no_model", `${wanted} is not a Whisper model`, 'name one as "whisper:ID", e.g. whisper:base.en');
    const entry = installs.entry(wanted);
    const s = await installs.status(wanted);
    if (s.state !== "installed") throw new VoiceError("voice_no_model", `the Whisper model ${wanted} is not installed (${s.state})`, `install it with \`bosun install ${wanted}\``);
    return { target: wanted, path: installs.filePaths(entry)[0]! };
  }
  for (const entry of installs.entries()) {
    if (entry.engine !== "whisper") continue;
    // Only entries with a file on disk are checked: verifying means hashing, and most are absent.
    const path = installs.filePaths(entry)[0]!;
    if (!(await exists(path))) continue;
    if ((await installs.status(entry.target)).state === "installed") return { target: entry.target, path };
  }
  throw new VoiceError("voice_no_model", "no Whisper model is installed", INSTALL_HINT);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The language to ask for: configured, else English for an English-only model (*.en), else detected. */
export function whisperLanguage(target: string, configured?: string): string {
  if (configured) return configured;
  return /\.en(?:[-.]|$)/.test(target.slice("whisper:".length)) ? "en" : "auto";
}
