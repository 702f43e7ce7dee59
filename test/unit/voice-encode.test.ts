import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeAudio } from "../../src/core/voice/decode.ts";
import { encodeOggOpus, oggCrc } from "../../src/core/voice/ogg-opus-encode.ts";
import { encodeWav, parseWav } from "../../src/core/voice/wav.ts";
import { readToneIds, toneSamples, TONE_RATE } from "../helpers/tone-voice.ts";

const signal = new AbortController().signal;
const IDS = [1, 0, 20, 0, 45, 0, 3, 0, 70, 0, 12, 0, 99, 2];

describe("OGG/Opus encoding", () => {
  test("tones at 22,050 Hz survive encode → our decoder at 16 kHz, id for id", async () => {
    const speech = toneSamples(IDS);
    const { bytes, durationMs } = await encodeOggOpus(speech, TONE_RATE, signal);
    expect(durationMs).toBe(Math.round((speech.length / TONE_RATE) * 1000));
    const pcm = await decodeAudio({ bytes }, signal);
    // Pre-skip applied; this decoder keeps the last frame's padding (opusdec trims it: see below).
    const exact = Math.round((speech.length * 16_000) / TONE_RATE);
    expect(pcm.samples.length).toBeGreaterThanOrEqual(exact - 1);
    expect(pcm.samples.length).toBeLessThanOrEqual(exact + 320);
    expect(readToneIds(pcm.samples, 16_000)).toEqual(IDS);
  });

  test("opusinfo finds no errors and opusdec decodes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-opus-"));
    const file = join(dir, "voice.ogg");
    const speech = toneSamples([...IDS, ...IDS, ...IDS, ...IDS, ...IDS]);
    writeFileSync(file, (await encodeOggOpus(speech, TONE_RATE, signal)).bytes);
    const info = spawnSync("opusinfo", [file], { encoding: "utf8" });
    expect(info.status).toBe(0);
    expect(`${info.stdout}${info.stderr}`).not.toMatch(/WARNING|ERROR|error/);
    expect(info.stdout).toContain("Channels: 1");
    const out = join(dir, "out.wav");
    const dec = spawnSync("opusdec", ["--quiet", "--rate", "48000", file, out], { encoding: "utf8" });
    expect(dec.stderr).toBe("");
    expect(dec.status).toBe(0);
    // Pre-skip and the last page's granule trim the encoder's delay and padding: exactly the input's length.
    const back = parseWav(readFileSync(out), 60);
    expect(back.samples.length).toBe(Math.floor((speech.length * 48_000) / TONE_RATE));
  });

  test("the page CRC is Ogg's (the check value of the polynomial on '123456789')", () => {
    expect(oggCrc(new TextEncoder().encode("123456789")).toString(16)).toBe("89a1897f");
  });

  test("empty speech still makes a valid (silent) file", async () => {
    const { bytes, durationMs } = await encodeOggOpus(new Float32Array(0), TONE_RATE, signal);
    expect(durationMs).toBe(0);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe("OggS");
  });
});

test("the WAV writer writes 16-bit mono PCM that the reader reads back", () => {
  const s = Float32Array.from([0, 0.5, -0.5, 1, -1, 2, Number.NaN, 0.25]);
  const wav = encodeWav(s, 22_050);
  expect(wav.length).toBe(44 + s.length * 2);
  const back = parseWav(wav, 10);
  expect(back.sampleRate).toBe(22_050);
  const expected = [0, 0.5, -0.5, 1, -1, 1, 0, 0.25];
  back.samples.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1 / 16_000));
});
