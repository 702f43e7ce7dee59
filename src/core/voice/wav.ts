/**
 * RIFF/WAVE parsing: integer PCM (8, 16, 24, 32 bit), IEEE float (32, 64 bit) and
 * WAVE_FORMAT_EXTENSIBLE wrapping either, any channel count, mixed down to mono as it is read (so a
 * long multichannel file never sits in memory as several float arrays); and writing 16-bit PCM mono.
 */
import { VoiceError } from "./types.ts";

export interface MonoAudio {
  samples: Float32Array;
  sampleRate: number;
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WAVE";
}

/**
 * The audio of a WAV file as mono samples in [-1, 1]. Throws VoiceError voice_decode when it is
 * not a WAV this can read, voice_too_long when it holds more than `maxSeconds` (checked before
 * any sample is converted).
 */
export function parseWav(bytes: Uint8Array, maxSeconds: number): MonoAudio {
  if (!isWav(bytes)) throw bad("not a RIFF/WAVE file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { format: number; channels: number; rate: number; bits: number; align: number } | null = null;
  let off = 12;
  while (off + 8 <= bytes.length) {
    const id = ascii(bytes, off, 4);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.length) throw bad("its format chunk is truncated");
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rate = view.getUint32(body + 4, true);
      const align = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (format === EXTENSIBLE) {
        // The sub-format GUID starts with the plain format code.
        if (size < 40 || body + 26 > bytes.length) throw bad("its extensible format chunk is truncated");
        format = view.getUint16(body + 24, true);
      }
      fmt = { format, channels, rate, bits, align };
    } else if (id === "data") {
      if (!fmt) throw bad("its data comes before its format");
      // Streamed WAVs carry a placeholder size (0, 0xFFFFFFFF, or near 2^31): the data runs to the
      // end of the file. Any other size past the end is a cut-off file.
      const available = bytes.length - body;
      const placeholder = size === 0 || size >= 0x7fff0000;
      if (!placeholder && size > available) throw bad("it is truncated (the file ends mid-data)");
      const length = placeholder ? available : size;
      return convert(view, body, length, fmt, maxSeconds);
    }
    off = body + size + (size & 1);
  }
  throw bad(fmt ? "it has no audio data" : "it has no format chunk");
}

function convert(
  view: DataView,
  start: number,
  length: number,
  fmt: { format: number; channels: number; rate: number; bits: number; align: number },
  maxSeconds: number,
): MonoAudio {
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > 64) throw bad(`it claims ${channels} channels`);
  // Past 192 kHz (no microphone records that) resampling to 16 kHz would hold the event loop for seconds.
  if (rate < 1000 || rate > 192_000) throw bad(`it claims a sample rate of ${rate} Hz (at most 192000 is read)`);
  const intPcm = format === PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  const float = format === FLOAT && (bits === 32 || bits === 64);
  if (!intPcm && !float) throw bad(`its sample format (code ${format}, ${bits} bit) is not supported`);
  const width = bits / 8;
  const frameBytes = width * channels;
  const frames = Math.floor(length / frameBytes);
  if (frames === 0) throw bad("it has no audio data");
  if (frames / rate > maxSeconds) throw tooLong(frames / rate, maxSeconds);
  const out = new Float32Array(frames);
  const gain = 1 / channels;
  for (let f = 0; f < frames; f++) {
    let p = start + f * frameBytes;
    let sum = 0;
    for (let c = 0; c < channels; c++, p += width) sum += sample(view, p, bits, float);
    out[f] = sum * gain;
  }
  return { samples: out, sampleRate: rate };
}

function sample(view: DataView, p: number, bits: number, float: boolean): number {
  if (float) {
    const v = bits === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
    // NaN or infinities in a hostile file would poison every later computation.
    return Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  }
  switch (bits) {
    case 8:
      return (view.getUint8(p) - 128) / 128; // 8-bit WAV is unsigned
    case 16:
      return view.getInt16(p, true) / 32768;
    case 24: {
      const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
      return v / 8388608;
    }
    default:
      return view.getInt32(p, true) / 2147483648;
  }
}

function ascii(bytes: Uint8Array, off: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(off, off + n));
}

function bad(why: string): VoiceError {
  return new VoiceError("voice_decode", `the WAV audio cannot be read: ${why}`);
}

export function tooLong(seconds: number, maxSeconds: number): VoiceError {
  return new VoiceError(
    "voice_too_long",
    `the audio is longer than ${Math.round(maxSeconds)} s (at least ${Math.round(seconds)} s)`,
    "raise [voice] max_seconds to accept longer audio",
  );
}

/** Mono samples in [-1, 1] as a 16-bit PCM WAV file (clipped; NaN becomes silence). */
export function encodeWav(samples: Float32Array, sampleRate: number): Uint8Array {
  const n = samples.length;
  const buf = new Uint8Array(44 + n * 2);
  const v = new DataView(buf.buffer);
  const tag = (off: number, s: string) => {
    for (let i = 0; i < s.length; i++) buf[off + i] = s.charCodeAt(i);
  };
  tag(0, "RIFF");
  v.setUint32(4, 36 + n * 2, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, PCM, true);
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  tag(36, "data");
  v.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) v.setInt16(44 + i * 2, toInt16(samples[i]!), true);
  return buf;
}

/** One sample in [-1, 1] as a 16-bit integer. */
export function toInt16(s: number): number {
  if (!(s === s)) return 0;
  return Math.round(Math.max(-1, Math.min(1, s)) * 32767);
}
