/**
 * A Whisper ggml model with no weights, like whisper.cpp's models/for-tests-ggml-*.bin (which the
 * npm tarball does not ship): header (the hyper-parameters of tiny.en, or of base.en), zero mel
 * filters and a short vocabulary. whisper.cpp warns "no tensors loaded ... assuming empty model for testing" and runs
 * full inference with empty output: a real run of the real sidecar, for timing and failure paths.
 * The vocabulary holds a " " token: without one whisper.cpp crashes (map::at).
 */
import { writeFileSync } from "node:fs";

// n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state,
// n_text_head, n_text_layer, n_mels, ftype (f16): whisper.cpp allocates and runs tensors of these
// shapes, so inference costs what the real model's would.
const SHAPES = {
  "tiny.en": [51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1],
  "base.en": [51864, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1],
} as const;

export type EmptyModelShape = keyof typeof SHAPES;

export function emptyWhisperModel(shape: EmptyModelShape = "tiny.en"): Uint8Array {
  const parts: Uint8Array[] = [];
  const i32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, n, true);
    parts.push(b);
  };
  i32(0x67676d6c); // "ggml"
  SHAPES[shape].forEach(i32);
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

export function writeEmptyWhisperModel(path: string, shape: EmptyModelShape = "tiny.en"): string {
  writeFileSync(path, emptyWhisperModel(shape));
  return path;
}
