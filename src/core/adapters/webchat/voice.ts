/**
 * Voice messages recorded in the chat page: the frame's audio checked (size before decoding,
 * base64, a 16-bit PCM WAV header), and kept on disk until the reply, so a message accepted
 * before a stop or crash is transcribed after the restart (fetchAudio reads it again).
 *
 * Why base64 in a JSON text frame and not a binary frame: the platform's WebSocket hands the
 * adapter text only (binary frames arrive decoded as UTF-8), and one JSON envelope keeps the id,
 * the ack and the resend logic the same as for typed messages. The cost is a third more bytes on
 * a recording of at most a few MB, to a page that is usually on loopback or a LAN.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir, removeFile, writeFileDurable } from "../../util/fsx.ts";
import { VoiceError, type AudioInput } from "../../voice/types.ts";

/** Biggest recording accepted: about 125 s of the page's 16 kHz mono 16-bit WAV (the page stops at 120 s). */
export const MAX_VOICE_BYTES = 4_000_000;
/** Its base64 length: the frame's audio is refused past this before anything is decoded. */
export const MAX_VOICE_BASE64 = Math.ceil(MAX_VOICE_BYTES / 3) * 4;
/** Longest recording the page makes, in seconds (the runtime also applies [voice] max_seconds). */
export const MAX_RECORD_SECONDS = 120;
/** How a voice frame starts (the page writes its keys in this order): only such a frame may be bigger than a typed message's. */
export const VOICE_FRAME_PREFIX = '{"type":"voice"';
/** Voice messages one socket may send per minute (each is a disk write and, later, a transcription). */
export const VOICE_PER_MINUTE = 6;
/** A stored recording older than this is removed (at start, and by the sweep every VOICE_SWEEP_MS) even if its reply never went out. */
export const VOICE_KEEP_MS = 7 * 24 * 3600_000;
/** How often a running adapter sweeps its recordings. */
export const VOICE_SWEEP_MS = 3600_000;
/** All recordings waiting for their reply, together: past this new ones are refused. */
export const MAX_STORED_BYTES = 256 * 1024 * 1024;

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const REF_RE = /^[0-9a-f]{32}$/;

/** What the header of an accepted recording says. */
export interface WavInfo {
  sampleRate: number;
  durationS: number;
}

/** The audio of a voice frame, decoded and checked; a string says why it is refused. */
export function decodeVoiceAudio(audio: string): { bytes: Uint8Array; info: WavInfo } | string {
  if (audio.length > MAX_VOICE_BASE64) return `voice message too big (the limit is ${MAX_VOICE_BYTES / 1_000_000} MB)`;
  if (audio.length === 0 || audio.length % 4 !== 0 || !B64_RE.test(audio)) return '"audio" is not base64';
  const bytes = new Uint8Array(Buffer.from(audio, "base64"));
  const info = wavInfo(bytes);
  return typeof info === "string" ? `"audio" is not a 16-bit mono PCM WAV: ${info}` : { bytes, info };
}

/** The header of a WAV as the page writes it (PCM, 16 bit, mono, 8 to 48 kHz), or why it is not one. */
export function wavInfo(b: Uint8Array): WavInfo | string {
  const ascii = (off: number) => String.fromCharCode(b[off]!, b[off + 1]!, b[off + 2]!, b[off + 3]!);
  if (b.length < 44 || ascii(0) !== "RIFF" || ascii(8) !== "WAVE") return "no RIFF/WAVE header";
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let rate = 0;
  // A handful of chunks at most (fmt, data, perhaps LIST): a file of thousands is not a recording.
  for (let off = 12, n = 0; off + 8 <= b.length && n < 16; n++) {
    const id = ascii(off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > b.length) return "its format chunk is truncated";
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      rate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      if (format !== 1 || bits !== 16) return `format ${format}, ${bits} bit`;
      if (channels !== 1) return `${channels} channels`;
      if (rate < 8000 || rate > 48_000) return `a sample rate of ${rate} Hz`;
    } else if (id === "data") {
      if (rate === 0) return "its data comes before its format";
      if (size > b.length - body) return "it is truncated";
      if (size < 2) return "it holds no audio";
      return { sampleRate: rate, durationS: Math.round((size / 2 / rate) * 10) / 10 };
    }
    off = body + size + (size & 1);
  }
  return "it has no audio data";
}

/**
 * The recordings of one webchat instance, in a private folder next to its state file, one file
 * per message, named by a hash of conversation and message id (ids are the browser's: never a
 * path). The hash is the message's VoiceRef.ref.
 */
export class VoiceStore {
  #stored = -1;
  constructor(
    readonly dir: string,
    private readonly now: () => number,
  ) {}

  static refOf(conversation: string, id: string): string {
    return createHash("sha256").update(`${conversation}\0${id}`).digest("hex").slice(0, 32);
  }

  #path(ref: string): string {
    return join(this.dir, `${ref}.wav`);
  }

  /** Remove recordings past VOICE_KEEP_MS (a reply that never went out) and count what stays. */
  sweep(): void {
    let total = 0;
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      // No folder yet: nothing was ever recorded.
    }
    for (const name of names) {
      const path = join(this.dir, name);
      try {
        const st = statSync(path);
        if (!st.isFile() || this.now() - st.mtimeMs > VOICE_KEEP_MS || name.endsWith(".tmp")) removeFile(path);
        else total += st.size;
      } catch {
        // Gone meanwhile.
      }
    }
    this.#stored = total;
  }

  /** Store a recording durably (it survives a power loss once this returns); a string says why not. */
  save(ref: string, bytes: Uint8Array): string | null {
    if (this.#stored < 0) this.sweep();
    const path = this.#path(ref);
    // A resend (same id) keeps the first recording: it is the message the store knows.
    if (existsSync(path)) return null;
    if (this.#stored + bytes.length > MAX_STORED_BYTES) return "too many voice messages are waiting for their answer; try again later";
    ensurePrivateDir(this.dir);
    writeFileDurable(path, bytes);
    this.#stored += bytes.length;
    return null;
  }

  has(ref: string): boolean {
    return REF_RE.test(ref) && existsSync(this.#path(ref));
  }

  /** The bytes again (fetchAudio). */
  load(ref: string, maxBytes: number): AudioInput {
    if (!REF_RE.test(ref)) throw new Error("not a webchat voice message reference");
    const path = this.#path(ref);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw new VoiceError("voice_decode", `the recording is no longer stored (kept until its reply, at most ${VOICE_KEEP_MS / 86_400_000} days)`);
    }
    if (size > maxBytes) {
      throw new VoiceError("voice_too_long", `the voice message is too big (${(size / 1e6).toFixed(1)} MB; the limit is ${(maxBytes / 1e6).toFixed(1)} MB)`, "raise [voice] max_bytes to accept bigger ones");
    }
    return { bytes: new Uint8Array(readFileSync(path)), mime: "audio/wav", name: "voice.wav" };
  }

  /** The reply went out (or was stored for the page's next visit): the recording is not needed again. */
  remove(ref: string): void {
    if (!REF_RE.test(ref)) return;
    const path = this.#path(ref);
    try {
      const size = statSync(path).size;
      removeFile(path);
      if (this.#stored >= 0) this.#stored = Math.max(0, this.#stored - size);
    } catch {
      // Not there: removed already.
    }
  }
}

/** A sliding one-minute window of voice frames, per socket. */
export class VoiceRate {
  #times: number[] = [];
  constructor(private readonly now: () => number) {}
  /** Whether one more is allowed now (and counts it if so). */
  take(): boolean {
    const t = this.now();
    this.#times = this.#times.filter((x) => t - x < 60_000);
    if (this.#times.length >= VOICE_PER_MINUTE) return false;
    this.#times.push(t);
    return true;
  }
}
