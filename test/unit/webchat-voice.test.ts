/**
 * The chat page's voice frames, checked like every hostile input: size bound before any base64 is
 * decoded, base64 itself, the WAV header the page writes, and the per-socket rate.
 */
import { describe, expect, test } from "bun:test";
import { MAX_TEXT_FRAME, parseFrame } from "../../src/core/adapters/webchat/frames.ts";
import { pageWav } from "../helpers/webchat.ts";
import { decodeVoiceAudio, MAX_VOICE_BASE64, VOICE_PER_MINUTE, VoiceRate, wavInfo } from "../../src/core/adapters/webchat/voice.ts";

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

describe("webchat voice frames", () => {
  test("a voice frame is parsed with its id and its base64 left for later", () => {
    const audio = b64(pageWav(1));
    const raw = JSON.stringify({ type: "voice", id: "v1", audio });
    expect(parseFrame(raw, 16_000)).toEqual({ type: "voice", id: "v1", audio });
    const decoded = decodeVoiceAudio(audio);
    if (typeof decoded === "string") throw new Error(decoded);
    expect(decoded.info).toEqual({ sampleRate: 16_000, durationS: 1 });
    expect(decoded.bytes.length).toBe(44 + 32_000);
  });

  test("a voice frame without an id, or with audio that is not a string, is refused", () => {
    expect(parseFrame(JSON.stringify({ type: "voice", audio: "AAAA" }), 100)).toMatchObject({ type: "invalid", message: expect.stringContaining('"id"') });
    expect(parseFrame(JSON.stringify({ type: "voice", id: "x", audio: 5 }), 100)).toMatchObject({ type: "invalid", id: "x" });
  });

  test("an oversized voice frame is refused on its length, before JSON or base64 decoding", () => {
    const huge = `{"type":"voice","id":"big","audio":"${"A".repeat(MAX_VOICE_BASE64 + 2048)}"}`;
    expect(parseFrame(huge, 16_000)).toEqual({ type: "invalid", message: "frame too big", tooBig: true });
    // Audio just over the bound inside a frame that fits: refused before decoding too.
    expect(decodeVoiceAudio("A".repeat(MAX_VOICE_BASE64 + 4))).toContain("too big");
    // Only a frame that starts as a voice frame may be bigger than a typed message's.
    const padded = JSON.stringify({ type: "message", text: "hi", pad: "x".repeat(MAX_TEXT_FRAME) });
    expect(parseFrame(padded, 16_000)).toEqual({ type: "invalid", message: "frame too big", tooBig: true });
  });

  test("audio that is not base64 is refused", () => {
    expect(decodeVoiceAudio("not base64!")).toBe('"audio" is not base64');
    expect(decodeVoiceAudio("QUJD=")).toBe('"audio" is not base64');
    expect(decodeVoiceAudio("")).toBe('"audio" is not base64');
  });

  test("audio that is not the page's WAV is refused, saying why", () => {
    expect(decodeVoiceAudio(b64(new TextEncoder().encode("OggS".padEnd(100, "x"))))).toContain("no RIFF/WAVE header");
    expect(decodeVoiceAudio(b64(pageWav(1, 16_000, { channels: 2 })))).toContain("2 channels");
    expect(decodeVoiceAudio(b64(pageWav(1, 16_000, { bits: 8 })))).toContain("8 bit");
    expect(decodeVoiceAudio(b64(pageWav(1, 16_000, { format: 3 })))).toContain("format 3");
    expect(decodeVoiceAudio(b64(pageWav(0.01, 192_000)))).toContain("192000 Hz");
    const cut = pageWav(1).subarray(0, 1000);
    expect(decodeVoiceAudio(b64(cut))).toContain("truncated");
    expect(wavInfo(pageWav(0))).toBe("it holds no audio");
  });

  test(`at most ${VOICE_PER_MINUTE} voice messages a minute per socket`, () => {
    let now = 1_000_000;
    const rate = new VoiceRate(() => now);
    for (let i = 0; i < VOICE_PER_MINUTE; i++) expect(rate.take()).toBe(true);
    expect(rate.take()).toBe(false);
    now += 59_000;
    expect(rate.take()).toBe(false);
    now += 1_001;
    expect(rate.take()).toBe(true);
  });
});
