/**
 * Mono speech → an OGG/Opus file (RFC 7845): what Telegram's sendVoice takes and browsers play.
 * The samples are resampled to 48 kHz (Opus's native rate: no resampler inside the encoder),
 * encoded in 20 ms frames by libopus compiled to asm.js (opusscript with `wasm: false`: nothing to
 * load from disk, so it runs inside the compiled binary), and written into Ogg pages here.
 * opusscript is imported on first use: a gateway that never speaks never loads libopus's encoder.
 */
import { AbortedError } from "../util/abort.ts";
import { resample } from "./resample.ts";
import { VoiceError } from "./types.ts";
import { toInt16 } from "./wav.ts";

const RATE = 48_000;
/** 20 ms: the frame size voice notes use (Telegram's own are 20 ms too). */
const FRAME = 960;
/**
 * libopus's lookahead at 48 kHz (2.5 ms + 4 ms delay compensation) for the audio application: the
 * decoder drops this many samples first. opusscript cannot read OPUS_GET_LOOKAHEAD (it passes no
 * pointer), and the value is fixed for this rate and application.
 */
const PRE_SKIP = 312;
/** Packets per Ogg page: about one second, well under the 255-segment limit for voice-sized packets. */
const PACKETS_PER_PAGE = 50;
const BITRATE = 32_000;

export interface EncodedOpus {
  bytes: Uint8Array;
  durationMs: number;
}

/**
 * Encode `samples` (mono, [-1, 1], at `sampleRate` Hz) as an OGG/Opus file. `serial` names the
 * logical stream (any 32-bit value; injected so tests are reproducible).
 */
export async function encodeOggOpus(samples: Float32Array, sampleRate: number, signal?: AbortSignal, serial = 0x626f736e): Promise<EncodedOpus> {
  if (!Number.isFinite(sampleRate) || sampleRate < 1000 || sampleRate > 192_000) throw new VoiceError("voice_failed", `cannot encode audio at ${sampleRate} Hz`);
  const pcm = await resample(samples, sampleRate, RATE, signal);
  const OpusScript = (await import("opusscript")).default;
  const encoder = new OpusScript(RATE, 1, OpusScript.Application.AUDIO, { wasm: false });
  try {
    encoder.setBitrate(BITRATE);
    const pages = new OggPageWriter(serial);
    pages.add(opusHead(sampleRate), 0n, { bos: true });
    pages.add(opusTags(), 0n);
    // Feed PRE_SKIP more samples of silence so the end of the speech comes out of the encoder too.
    const total = pcm.length + PRE_SKIP;
    const frames = Math.max(1, Math.ceil(total / FRAME));
    const frame = Buffer.alloc(FRAME * 2);
    const packets: Uint8Array[] = [];
    for (let f = 0; f < frames; f++) {
      if (f % 250 === 249) {
        await new Promise((r) => setTimeout(r, 0));
        if (signal?.aborted) throw new AbortedError();
      }
      for (let i = 0; i < FRAME; i++) {
        const j = f * FRAME + i;
        frame.writeInt16LE(j < pcm.length ? toInt16(pcm[j]!) : 0, i * 2);
      }
      // The result is a view into the encoder's heap: copied before the next frame overwrites it.
      packets.push(Uint8Array.from(encoder.encode(frame, FRAME)));
      const last = f === frames - 1;
      if (packets.length === PACKETS_PER_PAGE || last) {
        // The granule of a page is the 48 kHz sample count at its last packet's end, pre-skip
        // included; on the last page it is cut to the real length, so decoders drop the padding.
        const granule = last ? BigInt(PRE_SKIP + pcm.length) : BigInt((f + 1) * FRAME);
        pages.addPackets(packets.splice(0), granule, { eos: last });
      }
    }
    return { bytes: pages.bytes(), durationMs: Math.round((samples.length / sampleRate) * 1000) };
  } finally {
    encoder.delete();
  }
}

/** The identification header: version 1, mono, pre-skip, the original rate (informational), gain 0, mapping family 0. */
function opusHead(inputRate: number): Uint8Array {
  const b = new Uint8Array(19);
  const v = new DataView(b.buffer);
  b.set(ascii("OpusHead"), 0);
  b[8] = 1;
  b[9] = 1;
  v.setUint16(10, PRE_SKIP, true);
  v.setUint32(12, Math.round(inputRate), true);
  v.setInt16(16, 0, true);
  b[18] = 0;
  return b;
}

/** The comment header: a vendor string and no comments. */
function opusTags(): Uint8Array {
  const vendor = ascii("bosun");
  const b = new Uint8Array(8 + 4 + vendor.length + 4);
  const v = new DataView(b.buffer);
  b.set(ascii("OpusTags"), 0);
  v.setUint32(8, vendor.length, true);
  b.set(vendor, 12);
  v.setUint32(12 + vendor.length, 0, true);
  return b;
}

/** Ogg pages of one logical stream, each packet laced into 255-byte segments, each page CRC'd. */
class OggPageWriter {
  #pages: Uint8Array[] = [];
  #sequence = 0;
  constructor(private readonly serial: number) {}

  add(packet: Uint8Array, granule: bigint, flags: { bos?: boolean; eos?: boolean } = {}): void {
    this.addPackets([packet], granule, flags);
  }

  addPackets(packets: Uint8Array[], granule: bigint, flags: { bos?: boolean; eos?: boolean } = {}): void {
    const lacing: number[] = [];
    for (const p of packets) {
      // A packet is 255-byte segments and one shorter one (0 when its length is a multiple of 255).
      for (let n = p.length; ; n -= 255) {
        lacing.push(Math.min(n, 255));
        if (n < 255) break;
      }
    }
    if (lacing.length > 255) throw new VoiceError("voice_failed", "an Opus page would hold more than 255 segments");
    const body = packets.reduce((n, p) => n + p.length, 0);
    const page = new Uint8Array(27 + lacing.length + body);
    const v = new DataView(page.buffer);
    page.set(ascii("OggS"), 0);
    page[4] = 0;
    page[5] = (flags.bos ? 0x02 : 0) | (flags.eos ? 0x04 : 0);
    v.setBigInt64(6, granule, true);
    v.setUint32(14, this.serial >>> 0, true);
    v.setUint32(18, this.#sequence++, true);
    page[26] = lacing.length;
    page.set(lacing, 27);
    let off = 27 + lacing.length;
    for (const p of packets) {
      page.set(p, off);
      off += p.length;
    }
    v.setUint32(22, oggCrc(page), true);
    this.#pages.push(page);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#pages.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of this.#pages) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

let crcTable: Uint32Array | null = null;

/** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0, no final xor (the CRC field is 0 while it is computed). */
export function oggCrc(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let r = i << 24;
      for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
      crcTable[i] = r >>> 0;
    }
  }
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ crcTable[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
