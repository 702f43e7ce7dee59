/**
 * Test speech: espeak-ng says a sentence into a WAV, opusenc turns a WAV into an OGG/Opus voice note
 * (what Telegram sends). Both are Debian packages that .ci/run installs; files go to a temp dir the
 * caller removes with `cleanup()`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SpeechDir {
  dir: string;
  /** espeak-ng's WAV of `text` (22.05 kHz mono 16-bit); returns its path. */
  wav(text: string, name?: string): string;
  /** An OGG/Opus voice note of a WAV file (opusenc, 24 kbit/s); returns its path. */
  ogg(wavPath: string, name?: string): string;
  read(path: string): Uint8Array;
  cleanup(): void;
}

export function speechDir(): SpeechDir {
  const dir = mkdtempSync(join(tmpdir(), "bosun-speech-"));
  let n = 0;
  return {
    dir,
    wav(text, name = `speech-${++n}.wav`) {
      const out = join(dir, name);
      execFileSync("espeak-ng", ["-w", out, text], { stdio: "pipe", timeout: 20_000 });
      return out;
    },
    ogg(wavPath, name = `voice-${++n}.ogg`) {
      const out = join(dir, name);
      execFileSync("opusenc", ["--quiet", "--bitrate", "24", wavPath, out], { stdio: "pipe", timeout: 20_000 });
      return out;
    },
    read: (path) => new Uint8Array(readFileSync(path)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
