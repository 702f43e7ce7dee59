/**
 * Audio bytes → 16 kHz mono float samples for whisper.cpp. OGG/Opus (Telegram voice notes) is
 * decoded in-process by a WASM libopus, WAV is parsed here, anything else goes through ffmpeg when
 * it is on PATH. The format is told by magic bytes; the mime type only names it in messages. Every
 * path is bounded: decoded length (maxSeconds → voice_too_long), ffmpeg's output and run time.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
// The package root pulls in a Web Worker variant that fails inside a compiled binary
// ("OggOpusDecoderWebWorker is not defined"), and its exports map hides the plain class, hence
// the path. It is untyped there: the part used is typed below.
// @ts-expect-error no declaration file for the class on its own
import OggOpusDecoderJs from "../../../node_modules/ogg-opus-decoder/src/OggOpusDecoder.js";
import { AbortedError } from "../util/abort.ts";
import { spawnBounded } from "../util/spawn.ts";
import { resample } from "./resample.ts";
import type { AudioDecoder, AudioInput, Pcm16k } from "./types.ts";
import { VoiceError } from "./types.ts";
import { isWav, parseWav, tooLong } from "./wav.ts";

export const SAMPLE_RATE = 16_000;

interface OpusDecoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  errors: unknown[];
}
interface OpusDecoder {
  ready: Promise<void>;
  decode(data: Uint8Array): Promise<OpusDecoded>;
  flush(): Promise<OpusDecoded>;
  free(): void;
}
const OggOpusDecoder = OggOpusDecoderJs as new (opts: { sampleRate: 16000 }) => OpusDecoder;

export interface DecoderOptions {
  /** Longest audio accepted, in seconds ([voice] max_seconds). */
  maxSeconds?: number;
  /** Where ffmpeg is looked for; `process.env` when absent. */
  env?: Record<string, string | undefined>;
  /** Longest an ffmpeg run may take. */
  ffmpegTimeoutMs?: number;
}

export function createAudioDecoder(opts: DecoderOptions = {}): AudioDecoder {
  const maxSeconds = opts.maxSeconds ?? 300;
  const timeoutMs = opts.ffmpegTimeoutMs ?? 60_000;
  return async (audio, signal) => {
    if (signal.aborted) throw new AbortedError();
    const bytes = audio.bytes;
    if (bytes.length === 0) throw new VoiceError("voice_decode", "the audio file is empty");
    if (isWav(bytes)) {
      const { samples, sampleRate } = parseWav(bytes, maxSeconds);
      return { samples: await resample(samples, sampleRate, SAMPLE_RATE, signal) };
    }
    if (isOggOpus(bytes)) return decodeOpus(bytes, maxSeconds, signal);
    const ffmpeg = findOnPath("ffmpeg", (opts.env ?? process.env).PATH);
    if (!ffmpeg) {
      throw new VoiceError(
        "voice_decode",
        `${formatName(audio)} audio cannot be decoded here: install ffmpeg`,
        "bosun reads OGG/Opus and WAV itself; other formats need ffmpeg on PATH",
      );
    }
    return decodeWithFfmpeg(ffmpeg, audio, maxSeconds, timeoutMs, signal);
  };
}

/** The decoder with the default limits. */
export const decodeAudio: AudioDecoder = createAudioDecoder();

function isOggOpus(bytes: Uint8Array): boolean {
  if (bytes.length < 28 || ascii(bytes, 0, 4) !== "OggS") return false;
  // The first page's packet (after the 27-byte header and its segment table) is the codec's header.
  const start = 27 + bytes[26]!;
  return ascii(bytes, start, 8) === "OpusHead";
}

/**
 * 4 KiB at a time, so an over-long note is refused before all of it is decoded: tiny packets
 * decode to 120 ms each, so a 64 KiB chunk could hold 40 minutes of audio (575 MB measured for a
 * hostile 1 MB file); 4 KiB bounds one chunk's output to about 16 MB.
 */
const OPUS_CHUNK = 4 * 1024;

async function decodeOpus(bytes: Uint8Array, maxSeconds: number, signal: AbortSignal): Promise<Pcm16k> {
  checkOggPages(bytes, maxSeconds);
  // libopus decodes straight to 16 kHz: no resampling step.
  const decoder = new OggOpusDecoder({ sampleRate: SAMPLE_RATE });
  const parts: Float32Array[] = [];
  let total = 0;
  let errors = 0;
  const limit = maxSeconds * SAMPLE_RATE;
  const take = (r: OpusDecoded) => {
    errors += r.errors.length;
    // The first corrupt packet ends it: the library reports (and prints) every one of them.
    if (r.errors.length > 0) throw new VoiceError("voice_decode", "the OGG/Opus audio is corrupt");
    if (r.samplesDecoded === 0) return;
    total += r.samplesDecoded;
    if (total > limit) throw tooLong(total / SAMPLE_RATE, maxSeconds);
    parts.push(mixDown(r.channelData, r.samplesDecoded));
  };
  try {
    await decoder.ready;
    for (let off = 0; off < bytes.length; off += OPUS_CHUNK) {
      if (signal.aborted) throw new AbortedError();
      take(await decoder.decode(bytes.subarray(off, off + OPUS_CHUNK)));
    }
    take(await decoder.flush());
  } catch (err) {
    if (err instanceof VoiceError || err instanceof AbortedError) throw err;
    throw new VoiceError("voice_decode", `the OGG/Opus audio is corrupt (${(err as Error).message ?? err})`);
  } finally {
    decoder.free();
  }
  if (total === 0) {
    throw new VoiceError("voice_decode", errors ? "the OGG/Opus audio is corrupt" : "the OGG/Opus file holds no audio");
  }
  return { samples: concat(parts, total) };
}

/**
 * Walk the Ogg pages: each must start where the last ended and the last must close the stream.
 * The decoder itself quietly decodes what it can of a cut-off download or skips garbage; the user
 * should hear that the voice note is broken instead of getting half of it transcribed.
 */
function checkOggPages(bytes: Uint8Array, maxSeconds: number): void {
  let off = 0;
  let flags = 0;
  let granule = 0;
  while (off < bytes.length) {
    if (off + 27 > bytes.length) throw truncated();
    if (ascii(bytes, off, 4) !== "OggS") throw new VoiceError("voice_decode", "the OGG/Opus audio is corrupt");
    flags = bytes[off + 5]!;
    // The granule position counts 48 kHz samples up to the end of the page (-1: no packet ends here).
    const g = new DataView(bytes.buffer, bytes.byteOffset + off + 6, 8).getBigInt64(0, true);
    if (g >= 0n) granule = Number(g);
    const segments = bytes[off + 26]!;
    if (off + 27 + segments > bytes.length) throw truncated();
    let body = 0;
    for (let i = 0; i < segments; i++) body += bytes[off + 27 + i]!;
    off += 27 + segments + body;
  }
  if (off > bytes.length || !(flags & 0x04)) throw truncated();
  // What the stream says of its own length, before anything is decoded.
  if (granule / 48_000 > maxSeconds + 1) throw tooLong(granule / 48_000, maxSeconds);
}

function truncated(): VoiceError {
  return new VoiceError("voice_decode", "the OGG/Opus audio is truncated (the file ends mid-stream)");
}

function mixDown(channels: Float32Array[], n: number): Float32Array {
  if (channels.length === 1) return channels[0]!.slice(0, n);
  const out = new Float32Array(n);
  const gain = 1 / channels.length;
  for (const ch of channels) for (let i = 0; i < n; i++) out[i]! += ch[i]! * gain;
  return out;
}

function concat(parts: Float32Array[], total: number): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const STDERR_KEEP = 2048;

async function decodeWithFfmpeg(
  ffmpeg: string,
  audio: AudioInput,
  maxSeconds: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Pcm16k> {
  const maxBytes = Math.ceil(maxSeconds * SAMPLE_RATE) * 4;
  const args = ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-f", "f32le", "-ac", "1", "-ar", String(SAMPLE_RATE), "pipe:1"];
  const r = await spawnBounded(ffmpeg, args, { timeoutMs, signal, stdin: audio.bytes, maxStdout: maxBytes, keepText: STDERR_KEEP }).catch((err: Error) => {
    throw new VoiceError("voice_decode", `ffmpeg could not be started: ${err.message}`);
  });
  if (r.stopped === "abort") throw new AbortedError();
  if (r.stopped === "timeout") throw new VoiceError("voice_decode", `decoding the ${formatName(audio)} audio took longer than ${Math.round(timeoutMs / 1000)} s`);
  if (r.stopped === "overflow") throw tooLong(r.stdoutBytes / 4 / SAMPLE_RATE, maxSeconds);
  if (r.code !== 0) {
    const why = r.text.trim().split("\n").pop()?.trim() || `ffmpeg exited with ${r.code}`;
    throw new VoiceError("voice_decode", `the ${formatName(audio)} audio cannot be decoded: ${why}`);
  }
  const buf = r.stdout;
  const n = Math.floor(buf.length / 4);
  if (n === 0) throw new VoiceError("voice_decode", `the ${formatName(audio)} file holds no audio`);
  // Copy out: a Buffer's offset in its pool need not be 4-byte aligned.
  const samples = new Float32Array(n);
  const view = new DataView(buf.buffer, buf.byteOffset, n * 4);
  for (let i = 0; i < n; i++) {
    const v = view.getFloat32(i * 4, true);
    samples[i] = Number.isFinite(v) ? v : 0;
  }
  return { samples };
}

/** A name for the format, for messages: from the bytes when known, else from the mime or file name. */
function formatName(audio: AudioInput): string {
  const b = audio.bytes;
  if (ascii(b, 0, 3) === "ID3" || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) return "MP3";
  if (ascii(b, 0, 4) === "fLaC") return "FLAC";
  if (ascii(b, 4, 4) === "ftyp") return "M4A/MP4";
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return "WebM/Matroska";
  if (ascii(b, 0, 4) === "OggS") return "Ogg (not Opus)";
  if (ascii(b, 0, 4) === "RIFF") return "RIFF (not WAVE)";
  const sub = audio.mime?.split(";")[0]?.split("/")[1]?.trim();
  if (sub && /^[\w.+-]{1,32}$/.test(sub)) return sub === "mpeg" ? "MP3" : sub.toUpperCase();
  const ext = audio.name?.match(/\.([A-Za-z0-9]{1,8})$/)?.[1];
  return ext ? ext.toUpperCase() : "Unrecognised";
}

function findOnPath(cmd: string, path: string | undefined): string | null {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, cmd);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return null;
}

function ascii(bytes: Uint8Array, off: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(off, off + n));
}
