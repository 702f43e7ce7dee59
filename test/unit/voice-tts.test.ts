import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola";
import { openDatabase } from "../../src/core/db.ts";
import { customEntries } from "../../src/core/installs/catalog/catalog.ts";
import { Installer } from "../../src/core/installs/installer.ts";
import { decodeAudio } from "../../src/core/voice/decode.ts";
import { gatewaySpeech } from "../../src/core/voice/tts/gateway-speech.ts";
import { phonemesToIds } from "../../src/core/voice/tts/phoneme-ids.ts";
import { phonemizeClauses } from "../../src/core/voice/tts/phonemize.ts";
import { parsePiperConfig } from "../../src/core/voice/tts/piper-config.ts";
import { spokenText } from "../../src/core/voice/tts/spoken-text.ts";
import { PiperSynthesizer } from "../../src/core/voice/tts/synthesizer.ts";
import { VoiceError } from "../../src/core/voice/types.ts";
import { AbortedError } from "../../src/core/util/abort.ts";
import { installToneVoice, readToneIds, TONE_ID_MAP, toneVoiceConfig } from "../helpers/tone-voice.ts";

const signal = new AbortController().signal;
const toneMap = new Map(Object.entries(TONE_ID_MAP));
const id = (p: string) => TONE_ID_MAP[p]![0]!;

function home(withVoice = true) {
  const dir = mkdtempSync(join(tmpdir(), "bosun-tts-"));
  const voice = withVoice ? installToneVoice(dir) : null;
  const custom = voice ? customEntries([{ target: voice.target, url: "http://127.0.0.1:9/tone.onnx", size: voice.size, sha256: voice.sha256 }]) : [];
  const installer = new Installer({ modelsDir: join(dir, "models"), db: openDatabase(join(dir, "bosun.db")), bus: null, log: createConsola({ level: -999 }), mirror: "http://127.0.0.1:9", connectTimeoutMs: 1000, idleTimeoutMs: 1000, custom });
  return { dir, voice, installer };
}

function synth(h: ReturnType<typeof home>, tts?: string, maxChars?: number) {
  return new PiperSynthesizer({ libDir: join(h.dir, "lib"), installs: async () => h.installer, config: () => ({ tts }), ...(maxChars ? { maxChars } : {}) });
}

async function expectedIds(text: string): Promise<number[]> {
  return (await phonemizeClauses(text, "en-us")).flatMap((c) => phonemesToIds(c, toneMap).ids);
}

async function voiceError(p: Promise<unknown>): Promise<VoiceError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(VoiceError);
  return e as VoiceError;
}

describe("Piper voice config", () => {
  const ok = toneVoiceConfig();
  const parse = (v: unknown) => parsePiperConfig(typeof v === "string" ? v : JSON.stringify(v), "tone.onnx.json");
  test("reads the rate, the espeak voice, the scales and the id map", () => {
    const c = parse(ok);
    expect(c).toMatchObject({ sampleRate: 22_050, espeakVoice: "en-us", noiseScale: 0.667, lengthScale: 1, noiseW: 0.8, numSpeakers: 1 });
    expect(c.idMap.get("ə")).toEqual([id("ə")]);
  });
  test("hostile or broken files are a clear voice_failed naming what is wrong", () => {
    const cases: Array<[unknown, string]> = [
      ["{not json", "it is not JSON"],
      ["[1,2]", "it is not a JSON object"],
      ["null", "it is not a JSON object"],
      [{ ...ok, audio: { sample_rate: "22050" } }, "audio.sample_rate"],
      [{ ...ok, audio: { sample_rate: 1e12 } }, "audio.sample_rate"],
      [{ ...ok, audio: null }, "audio.sample_rate"],
      [{ ...ok, espeak: { voice: "../../etc/passwd" } }, "espeak.voice"],
      [{ ...ok, espeak: {} }, "espeak.voice"],
      [{ ...ok, phoneme_type: "text" }, "phoneme_type"],
      [{ ...ok, inference: { noise_scale: "loud" } }, "inference.noise_scale"],
      [{ ...ok, inference: { length_scale: 1e9 } }, "inference.length_scale"],
      [{ ...ok, phoneme_id_map: [] }, "phoneme_id_map must be an object"],
      [{ ...ok, phoneme_id_map: { ...TONE_ID_MAP, a: "1" } }, 'phoneme_id_map["a"]'],
      [{ ...ok, phoneme_id_map: { ...TONE_ID_MAP, a: [-1] } }, 'phoneme_id_map["a"]'],
      [{ ...ok, phoneme_id_map: { ...TONE_ID_MAP, a: [1.5] } }, 'phoneme_id_map["a"]'],
      [{ ...ok, phoneme_id_map: { a: [1] } }, 'has no "_"'],
      [{ ...ok, num_speakers: 0 }, "num_speakers"],
      ["x".repeat(1_000_001), "bigger than"],
    ];
    for (const [input, why] of cases) {
      let e: unknown;
      try {
        parse(input);
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(VoiceError);
      expect((e as VoiceError).code).toBe("voice_failed");
      expect((e as VoiceError).message).toStartWith("the Piper voice config tone.onnx.json is invalid: ");
      expect((e as VoiceError).message).toContain(why);
    }
  });
});

describe("phonemes to ids", () => {
  test("Piper's rules: BOS and a pad, each phoneme's ids each followed by the pad, EOS", async () => {
    const [clause] = await phonemizeClauses("Hello world", "en-us");
    expect(clause).toBe("həlˈoʊ wˈɜːld");
    const { ids, missing } = phonemesToIds(clause!, toneMap);
    const body = [..."həlˈoʊ wˈɜːld"].flatMap((p) => [id(p), id("_")]);
    expect(ids).toEqual([id("^"), id("_"), ...body, id("$")]);
    expect(missing.size).toBe(0);
  });
  test("unknown phonemes are skipped (NFD: an accent is its own codepoint) and counted", () => {
    const { ids, missing } = phonemesToIds("hé", toneMap);
    expect(ids).toEqual([id("^"), id("_"), id("h"), id("_"), id("e"), id("_"), id("$")]);
    expect([...missing]).toEqual([["\u0301", 1]]);
  });
});

describe("PiperSynthesizer with the tone voice", () => {
  test("the audio decodes back to exactly the ids of the text's phonemes, clause by clause", async () => {
    const h = home();
    const text = "Hello world. How are you?";
    const speech = await synth(h).synthesize(text, signal);
    expect(speech.voice).toBe("piper:tone");
    expect(speech.sampleRate).toBe(22_050);
    const ids = await expectedIds(text);
    expect(ids.length).toBeGreaterThan(30);
    expect(readToneIds(speech.samples, speech.sampleRate)).toEqual(ids);
  });

  test("no voice installed: voice_no_model naming the install command; a named voice not installed says which", async () => {
    const e = await voiceError(synth(home(false)).synthesize("hi", signal));
    expect(e.code).toBe("voice_no_model");
    expect(e.message).toBe("no Piper voice is installed");
    expect(e.hint).toContain("bosun install piper:en_US-lessac-medium");
    const named = await voiceError(synth(home(), "piper:en_US-lessac-medium").synthesize("hi", signal));
    expect(named.message).toBe("the Piper voice piper:en_US-lessac-medium is not installed (missing)");
  });

  test("too long a text, empty text, an aborted turn", async () => {
    const h = home();
    expect((await voiceError(synth(h, undefined, 10).synthesize("This is longer than ten.", signal))).code).toBe("voice_too_long");
    // Both sides of the bound: exactly the limit is spoken, one character more is refused.
    expect((await voiceError(synth(h, undefined, 10).synthesize("Hello you.x", signal))).code).toBe("voice_too_long");
    expect((await synth(h, undefined, 10).synthesize("Hello you.", signal)).samples.length).toBeGreaterThan(0);
    expect((await voiceError(synth(h).synthesize("   ", signal))).message).toBe("there is no text to speak");
    const ac = new AbortController();
    ac.abort();
    expect(await synth(h).synthesize("hi", ac.signal).catch((e) => e)).toBeInstanceOf(AbortedError);
  });

  test("a cancelled turn stops between clauses, not after the whole text", async () => {
    // Looks: at the start, after loading, before clause one, before clause two (aborted from then on).
    let looks = 0;
    const sig = { get aborted() { return ++looks > 3; }, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
    expect(await synth(home()).synthesize("One. Two. Three. Four.", sig).catch((e) => e)).toBeInstanceOf(AbortedError);
    expect(looks).toBe(4);
  });

  test("a corrupt model or config is voice_failed, and a fixed file is loaded again", async () => {
    const h = home();
    writeFileSync(h.voice!.json, "{}");
    const s = synth(h);
    expect((await voiceError(s.synthesize("hi", signal))).message).toContain("is invalid: audio.sample_rate");
    writeFileSync(h.voice!.json, JSON.stringify(toneVoiceConfig()));
    expect((await s.synthesize("hi", signal)).samples.length).toBeGreaterThan(0);
    // A model file that is not ONNX (and verifies, as a custom entry's own bytes would).
    const bad = home(false);
    const junk = installToneVoice(bad.dir, "junk");
    writeFileSync(junk.onnx, "not an onnx model");
    const { createHash } = await import("node:crypto");
    const sha = createHash("sha256").update("not an onnx model").digest("hex");
    const installer = new Installer({ modelsDir: join(bad.dir, "models"), db: openDatabase(join(bad.dir, "b.db")), bus: null, log: createConsola({ level: -999 }), mirror: "http://127.0.0.1:9", connectTimeoutMs: 1000, idleTimeoutMs: 1000, custom: customEntries([{ target: "piper:junk", url: "http://127.0.0.1:9/junk.onnx", size: 17, sha256: sha }]) });
    const e = await voiceError(new PiperSynthesizer({ libDir: join(bad.dir, "lib"), installs: async () => installer, config: () => ({}) }).synthesize("hi", signal));
    expect(e.code).toBe("voice_failed");
    expect(e.message).toStartWith("the Piper voice piper:junk cannot be loaded: ");
  });
});

describe("gatewaySpeech", () => {
  test("speakReply is an OGG/Opus voice note that opusinfo accepts and that decodes back to the ids", async () => {
    const h = home();
    const { speakReply } = gatewaySpeech({ binDir: join(h.dir, "bin"), env: {}, config: () => ({ tts: "piper:tone" }) as never, installs: async () => h.installer });
    const note = await speakReply("Hello there, friend.", signal);
    expect(note.mime).toBe("audio/ogg");
    expect(note.durationMs).toBeGreaterThan(1000);
    const pcm = await decodeAudio({ bytes: note.bytes }, signal);
    expect(readToneIds(pcm.samples, 16_000)).toEqual(await expectedIds("Hello there, friend."));
    const file = join(h.dir, "reply.ogg");
    writeFileSync(file, note.bytes);
    const info = spawnSync("opusinfo", [file], { encoding: "utf8" });
    expect(info.status).toBe(0);
    expect(`${info.stdout}${info.stderr}`).not.toMatch(/WARNING|ERROR/);
  });
});

describe("spoken replies", () => {
  test("Markdown is said as text: no asterisks, links by their text, URLs by their host, code blocks left out", () => {
    expect(spokenText("# Plan\nThis is **bold**, _it_ and `x`.\n- see [the docs](https://d.example/x)\n- or https://www.example.com/a_b.\n```sh\nrm -rf /\n```\nsnake_case stays; 3 * 4 = 12")).toBe(
      "Plan\nThis is bold, it and x.\nsee the docs\nor example.com.\n \nsnake_case stays; 3 * 4 = 12",
    );
  });

  test("speakReply speaks the reply's words, not its markup", async () => {
    const h = home();
    const { speakReply } = gatewaySpeech({ binDir: join(h.dir, "bin"), env: {}, config: () => ({}) as never, installs: async () => h.installer });
    const note = await speakReply("**Hello** _world_", signal);
    expect(readToneIds((await decodeAudio({ bytes: note.bytes }, signal)).samples, 16_000)).toEqual(await expectedIds("Hello world"));
  });
});
