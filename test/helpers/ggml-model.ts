/**
 * A tiny whisper.cpp model (ggml format, as whisper.cpp 1.9.1's whisper_model_load reads it) that
 * transcribes ANY audio as " hello": no real model can be downloaded in tests. About 3.5 MB,
 * built in a few milliseconds, the same bytes every time.
 *
 * How it works: every weight is zero, so each transformer block adds nothing to the residual stream
 * and the decoder's last hidden state is just the embedding of the last input token. The final
 * layer norm (weight +1 on dim 1, -1 on dim 2, 0 elsewhere) and the tied token embedding then give:
 *   after <|startoftranscript|> (or <|notimestamps|>, <|startofprev|>): " hello" ≈ 23, all else ≤ 0
 *   after " hello":                                                     <|endoftext|> ≈ 23, " hello" 0
 * 23 beats the 1500 timestamp tokens' summed probability (ln 1500 ≈ 7.3), so the text is one segment.
 * Pitfalls whisper.cpp has: weight matrices must be f16 (f32 ones abort in the conv), and the
 * vocabulary must hold a " " token (suppress_blank looks it up with map::at).
 */
import { writeFileSync } from "node:fs";

export const HELLO_TEXT = " hello";

/** English-only layout: 51864 tokens, so eot = 50256, sot = 50257, timestamps from 50363. */
const N_VOCAB = 51864;
const EOT = 50256;
const SOT = 50257;
const PREV = 50360;
const NOT = 50362;
/** Vocabulary written to the file: " " then " hello"; whisper.cpp names the rest itself. */
const SPACE_ID = 0;
const HELLO_ID = 1;

const D = 32; // n_audio_state = n_text_state
const N_MELS = 80;
const N_FFT = 201;
const AUDIO_CTX = 1500; // 30 s of mel frames after the stride-2 conv
const TEXT_CTX = 448;
const GGML_MAGIC = 0x67676d6c; // "ggml"
const F32 = 0;
const F16 = 1;

interface Tensor {
  name: string;
  shape: number[]; // ggml order: ne[0] first (the contiguous dimension)
  type: typeof F32 | typeof F16;
  /** Non-zero entries: flat index → value. */
  set?: Array<[number, number]>;
}

function tensors(): Tensor[] {
  const out: Tensor[] = [];
  const f32 = (name: string, ...shape: number[]) => out.push({ name, shape, type: F32 });
  const f16 = (name: string, ...shape: number[]) => out.push({ name, shape, type: F16 });
  f32("encoder.positional_embedding", D, AUDIO_CTX);
  f16("encoder.conv1.weight", 3, N_MELS, D);
  f32("encoder.conv1.bias", 1, D);
  f16("encoder.conv2.weight", 3, D, D);
  f32("encoder.conv2.bias", 1, D);
  f32("encoder.ln_post.weight", D);
  f32("encoder.ln_post.bias", D);
  const block = (prefix: string, cross: boolean) => {
    const attn = (a: string, ln: string) => {
      f32(`${prefix}.${ln}.weight`, D);
      f32(`${prefix}.${ln}.bias`, D);
      f16(`${prefix}.${a}.query.weight`, D, D);
      f32(`${prefix}.${a}.query.bias`, D);
      f16(`${prefix}.${a}.key.weight`, D, D);
      f16(`${prefix}.${a}.value.weight`, D, D);
      f32(`${prefix}.${a}.value.bias`, D);
      f16(`${prefix}.${a}.out.weight`, D, D);
      f32(`${prefix}.${a}.out.bias`, D);
    };
    f32(`${prefix}.mlp_ln.weight`, D);
    f32(`${prefix}.mlp_ln.bias`, D);
    f16(`${prefix}.mlp.0.weight`, D, 4 * D);
    f32(`${prefix}.mlp.0.bias`, 4 * D);
    f16(`${prefix}.mlp.2.weight`, 4 * D, D);
    f32(`${prefix}.mlp.2.bias`, D);
    attn("attn", "attn_ln");
    if (cross) attn("cross_attn", "cross_attn_ln");
  };
  block("encoder.blocks.0", false);
  f32("decoder.positional_embedding", D, TEXT_CTX);
  const row = (token: number, dim: number) => token * D + dim;
  out.push({
    name: "decoder.token_embedding.weight",
    shape: [D, N_VOCAB],
    type: F16,
    set: [
      [row(HELLO_ID, 1), 4],
      [row(HELLO_ID, 2), 4],
      [row(EOT, 2), -6],
      [row(SOT, 1), 1],
      [row(NOT, 1), 1],
      [row(PREV, 1), 1],
    ],
  });
  out.push({ name: "decoder.ln.weight", shape: [D], type: F32, set: [[1, 1], [2, -1]] });
  f32("decoder.ln.bias", D);
  block("decoder.blocks.0", true);
  return out;
}

/** The model file's bytes. */
export function helloModel(): Uint8Array {
  const enc = new TextEncoder();
  const vocab = [" ", HELLO_TEXT].map((w) => enc.encode(w));
  const list = tensors();
  let size = 4 + 11 * 4 + 8 + N_MELS * N_FFT * 4 + 4;
  for (const w of vocab) size += 4 + w.length;
  for (const t of list) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    size += 12 + 4 * t.shape.length + enc.encode(t.name).length + n * (t.type === F16 ? 2 : 4);
  }
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let off = 0;
  const i32 = (v: number) => {
    view.setInt32(off, v, true);
    off += 4;
  };
  view.setUint32(0, GGML_MAGIC, true);
  off = 4;
  // hparams: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
  // n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype (1 = f16)
  for (const v of [N_VOCAB, AUDIO_CTX, D, 1, 1, TEXT_CTX, D, 1, 1, N_MELS, 1]) i32(v);
  // Mel filters: all zero (the encoder ignores its input anyway).
  i32(N_MELS);
  i32(N_FFT);
  off += N_MELS * N_FFT * 4;
  i32(vocab.length);
  for (const w of vocab) {
    i32(w.length);
    bytes.set(w, off);
    off += w.length;
  }
  for (const t of list) {
    const name = enc.encode(t.name);
    i32(t.shape.length);
    i32(name.length);
    i32(t.type);
    for (const d of t.shape) i32(d);
    bytes.set(name, off);
    off += name.length;
    const width = t.type === F16 ? 2 : 4;
    for (const [i, v] of t.set ?? []) {
      if (t.type === F16) view.setUint16(off + i * width, f16Bits(v), true);
      else view.setFloat32(off + i * width, v, true);
    }
    off += t.shape.reduce((a, b) => a * b, 1) * width;
  }
  if (off !== size) throw new Error(`ggml model size mismatch: wrote ${off} of ${size}`);
  return bytes;
}

/** Write the model to `path` (e.g. `<home>/models/whisper/ggml-hello.bin`). */
export function writeHelloModel(path: string): string {
  writeFileSync(path, helloModel());
  return path;
}

/** IEEE half-precision bits of a small integer-valued float (all this model needs). */
function f16Bits(v: number): number {
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const exp = Math.floor(Math.log2(a));
  const mant = Math.round((a / 2 ** exp - 1) * 1024);
  return sign | ((exp + 15) << 10) | mant;
}
