import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAudioDecoder, decodeAudio } from "../../src/core/voice/decode.ts";
import { VoiceError } from "../../src/core/voice/types.ts";
import { speechDir } from "../helpers/speech.ts";

const speech = speechDir();
afterAll(() => speech.cleanup());
const signal = new AbortController().signal;

/** A WAV file of `channels` (each a function of time in seconds) in the given sample format. */
function wav(opts: { rate: number; seconds: number; channels: Array<(t: number) => number>; bits: 8 | 16 | 24 | 32; float?: boolean }): Uint8Array {
  const { rate, bits, channels } = opts;
  const frames = Math.round(rate * opts.seconds);
  const width = bits / 8;
  const data = frames * width * channels.length;
  const buf = new DataView(new ArrayBuffer(44 + data));
  const str = (off: number, s: string) => [...s].forEach((c, i) => buf.setUint8(off + i, c.charCodeAt(0)));
  str(0, "RIFF");
  buf.setUint32(4, 36 + data, true);
  str(8, "WAVE");
  str(12, "fmt ");
  buf.setUint32(16, 16, true);
  buf.setUint16(20, opts.float ? 3 : 1, true);
  buf.setUint16(22, channels.length, true);
  buf.setUint32(24, rate, true);
  buf.setUint32(28, rate * width * channels.length, true);
  buf.setUint16(32, width * channels.length, true);
  buf.setUint16(34, bits, true);
  str(36, "data");
  buf.setUint32(40, data, true);
  let p = 44;
  for (let f = 0; f < frames; f++) {
    for (const ch of channels) {
      const v = Math.max(-1, Math.min(1, ch(f / rate)));
      if (opts.float) buf.setFloat32(p, v, true);
      else if (bits === 8) buf.setUint8(p, Math.round(v * 127) + 128);
      else if (bits === 16) buf.setInt16(p, Math.round(v * 32767), true);
      else if (bits === 24) {
        const i = Math.round(v * 8388607);
        buf.setUint8(p, i & 255);
        buf.setUint8(p + 1, (i >> 8) & 255);
        buf.setInt8(p + 2, i >> 16);
      } else buf.setInt32(p, Math.round(v * 2147483647), true);
      p += width;
    }
  }
  return new Uint8Array(buf.buffer);
}

const sine = (hz: number, amp = 0.5) => (t: number) => amp * Math.sin(2 * Math.PI * hz * t);

/** Amplitude of the `hz` component (a single-bin DFT over the middle of the signal, away from the edges). */
function toneAmplitude(x: Float32Array, hz: number, rate = 16000): number {
  const from = Math.floor(x.length * 0.1);
  const to = Math.floor(x.length * 0.9);
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    im += x[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

async function decodeError(p: Promise<unknown>): Promise<VoiceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VoiceError);
  return err as VoiceError;
}

describe("WAV", () => {
  test("a 1 kHz sine at 44.1 kHz stereo comes out as 16 kHz mono at 1 kHz", async () => {
    const bytes = wav({ rate: 44100, seconds: 1, bits: 16, channels: [sine(1000), sine(1000)] });
    const { samples } = await decodeAudio({ bytes, mime: "audio/wav" }, signal);
    expect(Math.abs(samples.length - 16000)).toBeLessThanOrEqual(1);
    expect(toneAmplitude(samples, 1000)).toBeGreaterThan(0.47);
    expect(toneAmplitude(samples, 1000)).toBeLessThan(0.53);
    // Nothing else: the energy is all at 1 kHz.
    expect(toneAmplitude(samples, 1500)).toBeLessThan(0.01);
  });

  test("content above 8 kHz is filtered out instead of folding into the speech band", async () => {
    // 12 kHz at 48 kHz would alias to 4 kHz at full strength with no low-pass before decimating.
    const bytes = wav({ rate: 48000, seconds: 1, bits: 16, channels: [sine(12000)] });
    const { samples } = await decodeAudio({ bytes }, signal);
    expect(toneAmplitude(samples, 4000)).toBeLessThan(0.005);
  });

  test("the channels are mixed down: opposite channels cancel, one silent channel halves", async () => {
    const cancel = await decodeAudio({ bytes: wav({ rate: 16000, seconds: 0.5, bits: 16, channels: [sine(440), (t) => -sine(440)(t)] }) }, signal);
    expect(toneAmplitude(cancel.samples, 440)).toBeLessThan(0.001);
    const six = [sine(440), () => 0, () => 0, () => 0, () => 0, () => 0];
    const mixed = await decodeAudio({ bytes: wav({ rate: 16000, seconds: 0.5, bits: 16, channels: six }) }, signal);
    expect(toneAmplitude(mixed.samples, 440)).toBeCloseTo(0.5 / 6, 2);
  });

  for (const [bits, float] of [[8, false], [24, false], [32, false], [32, true]] as const) {
    test(`${bits}-bit ${float ? "float" : "integer"} PCM at 22.05 kHz`, async () => {
      const bytes = wav({ rate: 22050, seconds: 0.5, bits, float, channels: [sine(700, 0.8)] });
      const { samples } = await decodeAudio({ bytes }, signal);
      expect(Math.abs(samples.length - 8000)).toBeLessThanOrEqual(1);
      expect(toneAmplitude(samples, 700)).toBeCloseTo(0.8, 1);
    });
  }

  test("8 kHz telephone audio is upsampled", async () => {
    const { samples } = await decodeAudio({ bytes: wav({ rate: 8000, seconds: 1, bits: 16, channels: [sine(300)] }) }, signal);
    expect(Math.abs(samples.length - 16000)).toBeLessThanOrEqual(1);
    expect(toneAmplitude(samples, 300)).toBeCloseTo(0.5, 1);
  });

  test("a truncated or malformed WAV is a voice_decode error", async () => {
    const good = wav({ rate: 16000, seconds: 1, bits: 16, channels: [sine(300)] });
    const cut = await decodeError(decodeAudio({ bytes: good.subarray(0, 10_000) }, signal));
    expect(cut.code).toBe("voice_decode");
    expect(cut.message).toContain("truncated");
    expect((await decodeError(decodeAudio({ bytes: good.subarray(0, 30) }, signal))).code).toBe("voice_decode");
    const badBits = good.slice();
    new DataView(badBits.buffer).setUint16(34, 12, true);
    expect((await decodeError(decodeAudio({ bytes: badBits }, signal))).message).toContain("not supported");
    const noChannels = good.slice();
    new DataView(noChannels.buffer).setUint16(22, 0, true);
    expect((await decodeError(decodeAudio({ bytes: noChannels }, signal))).code).toBe("voice_decode");
  });

  test("audio longer than maxSeconds is refused as voice_too_long", async () => {
    const decoder = createAudioDecoder({ maxSeconds: 1 });
    const err = await decodeError(decoder({ bytes: wav({ rate: 16000, seconds: 2, bits: 16, channels: [sine(300)] }) }, signal));
    expect(err.code).toBe("voice_too_long");
  });
});

describe("speech: espeak-ng WAV and its OGG/Opus voice note", () => {
  const wavPath = speech.wav("hello world, this is a voice note");
  const oggPath = speech.ogg(wavPath);

  test("both decode to 16 kHz audio of about the same length", async () => {
    const fromWav = await decodeAudio({ bytes: speech.read(wavPath), mime: "audio/wav" }, signal);
    const fromOgg = await decodeAudio({ bytes: speech.read(oggPath), mime: "audio/ogg" }, signal);
    // espeak-ng writes 22.05 kHz: the WAV's own length, at 16 kHz.
    const wavBytes = readFileSync(wavPath);
    const seconds = (wavBytes.length - 44) / 2 / 22050;
    expect(Math.abs(fromWav.samples.length / 16000 - seconds)).toBeLessThan(0.01);
    expect(Math.abs(fromOgg.samples.length - fromWav.samples.length) / 16000).toBeLessThan(0.05);
    // It is speech, not silence.
    const rms = Math.sqrt(fromOgg.samples.reduce((a, v) => a + v * v, 0) / fromOgg.samples.length);
    expect(rms).toBeGreaterThan(0.02);
  });

  test("a truncated or corrupt voice note is a voice_decode error", async () => {
    const bytes = speech.read(oggPath);
    for (const cut of [60, 1000, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const err = await decodeError(decodeAudio({ bytes: bytes.subarray(0, cut), mime: "audio/ogg" }, signal));
      expect(err.code).toBe("voice_decode");
    }
    const garbled = bytes.slice();
    for (let i = 200; i < garbled.length; i++) garbled[i] = (i * 7919) & 255;
    expect((await decodeError(decodeAudio({ bytes: garbled }, signal))).message).toContain("corrupt");
  });

  test("a voice note longer than maxSeconds is voice_too_long", async () => {
    const err = await decodeError(createAudioDecoder({ maxSeconds: 1 })({ bytes: speech.read(oggPath) }, signal));
    expect(err.code).toBe("voice_too_long");
  });
});

describe("other formats", () => {
  const hasFfmpeg = (() => {
    try {
      execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  const emptyPath = mkdtempSync(join(tmpdir(), "bosun-nopath-"));

  test("an MP3 without ffmpeg on PATH says to install ffmpeg", async () => {
    const mp3 = new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x64]);
    const err = await decodeError(createAudioDecoder({ env: { PATH: emptyPath } })({ bytes: mp3, mime: "audio/mpeg" }, signal));
    expect(err.code).toBe("voice_decode");
    expect(err.message).toBe("MP3 audio cannot be decoded here: install ffmpeg");
  });

  test.skipIf(!hasFfmpeg)("an MP3 decodes through ffmpeg when it is on PATH", async () => {
    const wavPath = speech.wav("testing one two three");
    const mp3Path = join(speech.dir, "speech.mp3");
    execFileSync("ffmpeg", ["-loglevel", "error", "-i", wavPath, "-b:a", "64k", mp3Path]);
    const { samples } = await decodeAudio({ bytes: speech.read(mp3Path), mime: "audio/mpeg" }, signal);
    const expected = (readFileSync(wavPath).length - 44) / 2 / 22050;
    expect(Math.abs(samples.length / 16000 - expected)).toBeLessThan(0.1);
    // Unreadable bytes in the same path give ffmpeg's reason, not a crash.
    const junk = new Uint8Array(4000).map((_, i) => (i * 31) & 255);
    expect((await decodeError(decodeAudio({ bytes: junk }, signal))).code).toBe("voice_decode");
    // Longer than the limit: ffmpeg's output is cut off and refused.
    expect((await decodeError(createAudioDecoder({ maxSeconds: 1 })({ bytes: speech.read(mp3Path) }, signal))).code).toBe("voice_too_long");
  });

  test.skipIf(!hasFfmpeg)("an aborted decode stops", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(decodeAudio({ bytes: new Uint8Array([1, 2, 3, 4]) }, ac.signal)).rejects.toThrow("aborted");
  });
});

test("an OGG whose stream says it is hours long is refused before decoding; a WAV past 192 kHz is refused", async () => {
  const bytes = new Uint8Array(readFileSync(speech.ogg(speech.wav("short"))));
  // Set the last page's granule position (48 kHz samples) to ten hours.
  let last = -1;
  for (let i = 0; i + 4 <= bytes.length; i++) if (bytes[i] === 0x4f && bytes[i + 1] === 0x67 && bytes[i + 2] === 0x67 && bytes[i + 3] === 0x53) last = i;
  new DataView(bytes.buffer, bytes.byteOffset + last + 6, 8).setBigInt64(0, BigInt(48_000 * 36_000), true);
  const t0 = performance.now();
  const err = await createAudioDecoder({ maxSeconds: 300 })({ bytes }, new AbortController().signal).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(VoiceError);
  expect((err as VoiceError).code).toBe("voice_too_long");
  expect(performance.now() - t0).toBeLessThan(100);
  const fast = wav({ rate: 384_000, seconds: 0.01, channels: [() => 0], bits: 16 });
  const e2 = await decodeAudio({ bytes: fast }, new AbortController().signal).then(() => null, (e: unknown) => e);
  expect((e2 as VoiceError).code).toBe("voice_decode");
  expect((e2 as VoiceError).message).toContain("192000");
});

test("resampling a long WAV yields to the event loop (other channels are not held still meanwhile)", async () => {
  const long = wav({ rate: 48_000, seconds: 60, channels: [(t) => Math.sin(2 * Math.PI * 440 * t)], bits: 16 });
  let gap = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 5);
  const t0 = performance.now();
  const out = await decodeAudio({ bytes: long }, signal);
  clearInterval(tick);
  expect(out.samples.length).toBe(60 * 16_000);
  // The whole decode takes far longer than any single stall (before: one block as long as the decode).
  expect(performance.now() - t0).toBeGreaterThan(gap * 2);
  expect(gap).toBeLessThan(250);
});
