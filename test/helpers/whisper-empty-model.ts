/**
 * A Whisper ggml model with no weights, like whisper.cpp's models/for-tests-ggml-*.bin (which the
 * npm tarball does not ship): header (tiny.en's hyper-parameters), zero mel filters and a short
 * vocabulary. whisper.cpp warns "no tensors loaded ... assuming empty model for testing" and runs
 * full inference with empty output: a real run of the real sidecar, for timing and failure paths.
 * The vocabulary holds a " " token: without one whisper.cpp crashes (map::at).
 */
import { writeFileSync } from "node:fs";

const TINY_EN = [51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1];

export function emptyWhisperModel(): Uint8Array {
  const parts: Uint8Array[] = [];
  const i32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, n, true);
    parts.push(b);
  };
  i32(0x67676d6c); // "ggml"
  TINY_EN.forEach(i32);
  i32(80); // mel filters: n_mel x n_fft floats
  i32(201);
  parts.push(new Uint8Array(80 * 201 * 4));
  const tokens = ["!", " ", " hello"];
  i32(tokens.length);
  for (const t of tokens) {
    const b = new TextEncoder().encode(t);
    i32(b.length);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

export function writeEmptyWhisperModel(path: string): string {
  writeFileSync(path, emptyWhisperModel());
  return path;
}
