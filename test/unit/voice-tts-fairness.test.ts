/**
 * Text to speech shares the gateway: espeak-ng runs in pieces with the event loop free between
 * them, syntheses take turns, and sessions a synthesizer lets go of are released.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola";
import { openDatabase } from "../../src/core/db.ts";
import { customEntries } from "../../src/core/installs/catalog/catalog.ts";
import { Installer } from "../../src/core/installs/installer.ts";
import { loadOnnxRuntime } from "../../src/core/voice/tts/onnxruntime.ts";
import { MAX_PIECE_CHARS, phonemizeClauses, textPieces } from "../../src/core/voice/tts/phonemize.ts";
import { PiperSynthesizer } from "../../src/core/voice/tts/synthesizer.ts";
import { AbortedError } from "../../src/core/util/abort.ts";
import { installsOnceStarted } from "../../src/core/voice/installs-at-start.ts";
import type { ModelSource } from "../../src/core/voice/model.ts";
import { VoiceError } from "../../src/core/voice/types.ts";
import { installToneVoice } from "../helpers/tone-voice.ts";

const signal = new AbortController().signal;
const SENTENCES = ["The ship left the harbour at dawn, and the crew sang.", "Nobody knew where the wind would take them!", "Was the captain afraid; or was she only tired?", "By noon the coast was gone."];
const longText = (chars: number) => {
  let t = "";
  for (let i = 0; t.length < chars; i++) t += SENTENCES[i % SENTENCES.length] + " ";
  return t.slice(0, chars).trim();
};

function home(ids = ["tone"]) {
  const dir = mkdtempSync(join(tmpdir(), "bosun-tts-fair-"));
  const voices = ids.map((id) => installToneVoice(dir, id));
  const custom = customEntries(voices.map((v) => ({ target: v.target, url: `http://127.0.0.1:9/${v.target.slice("piper:".length)}.onnx`, size: v.size, sha256: v.sha256 })));
  const installer = new Installer({ modelsDir: join(dir, "models"), db: openDatabase(join(dir, "bosun.db")), bus: null, log: createConsola({ level: -999 }), mirror: "http://127.0.0.1:9", connectTimeoutMs: 1000, idleTimeoutMs: 1000, custom });
  return { dir, voices, synth: (maxConcurrent?: number) => new PiperSynthesizer({ libDir: join(dir, "lib"), installs: async () => installer, config: () => ({ ...(maxConcurrent ? { max_concurrent: maxConcurrent } : {}) }) }) };
}

describe("phonemizing in pieces", () => {
  test("pieces are bounded and cut after a sentence where one is in reach; nothing is lost", () => {
    const text = longText(4_000);
    const pieces = textPieces(text, MAX_PIECE_CHARS);
    expect(pieces.join("")).toBe(text);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(MAX_PIECE_CHARS);
    for (const p of pieces.slice(0, -1)) expect(p).toMatch(/[.!?]\s$/);
    // No space at all: cut hard, never between the halves of a surrogate pair.
    const emoji = "😀".repeat(400);
    const hard = textPieces(emoji, 301);
    expect(hard.join("")).toBe(emoji);
    for (const p of hard) expect(p.length).toBeLessThanOrEqual(301);
    expect(hard.every((p) => !/[\ud800-\udbff]$/.test(p))).toBe(true);
  });

  test("a long text leaves the event loop free while espeak-ng works; the clauses are those of the whole text", async () => {
    await phonemizeClauses("warm up", "en-us");
    const text = longText(4_000);
    let last = performance.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const start = performance.now();
    const clauses = await phonemizeClauses(text, "en-us");
    const took = performance.now() - start;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
    expect(maxGap).toBeLessThan(took / 3);
    // espeak-ng given the whole text at once (what was done before) says the same clauses.
    const whole = (await (await import("phonemizer")).phonemize(text, "en-us")).map((c) => c.trim()).filter(Boolean);
    expect(clauses).toEqual(whole);
  });

  test("a cancelled turn stops between pieces", async () => {
    const ac = new AbortController();
    const p = phonemizeClauses(longText(4_000), "en-us", ac.signal);
    setImmediate(() => ac.abort());
    expect(await p.catch((e) => e)).toBeInstanceOf(AbortedError);
  });
});

describe("syntheses take turns", () => {
  test("two at once run one after the other: a short text asked second finishes after the long one", async () => {
    const h = home();
    const s = h.synth();
    const done: string[] = [];
    const long = s.synthesize(longText(1_500), signal).then(() => done.push("long"));
    const short = s.synthesize("Hi.", signal).then(() => done.push("short"));
    await Promise.all([long, short]);
    expect(done).toEqual(["long", "short"]);
  });

  test("a synthesis waiting for its turn can be cancelled", async () => {
    const h = home();
    const s = h.synth();
    const long = s.synthesize(longText(1_500), signal);
    const ac = new AbortController();
    const waiting = s.synthesize("Hi.", ac.signal);
    ac.abort();
    expect(await waiting.catch((e) => e)).toBeInstanceOf(AbortedError);
    await long;
  });
});

describe("sessions let go of are released", () => {
  test("an evicted voice's session and a replaced model's session are released, once", async () => {
    const h = home(["a", "b", "c"]);
    const ort = await loadOnnxRuntime(join(h.dir, "lib"));
    const proto = (ort.InferenceSession as unknown as { prototype: { release(): Promise<void> } }).prototype;
    const original = proto.release;
    let released = 0;
    proto.release = function (this: unknown) {
      released++;
      return original.call(this);
    };
    try {
      const s = h.synth();
      await s.synthesize("Hi.", signal, { voice: "piper:a" });
      await s.synthesize("Hi.", signal, { voice: "piper:b" });
      expect(released).toBe(0);
      await s.synthesize("Hi.", signal, { voice: "piper:c" }); // a is evicted (two are kept)
      expect(released).toBe(1);
      // c's model file changes (a reinstall): the old session goes, the new one speaks.
      const later = new Date(Date.now() + 5_000);
      utimesSync(h.voices[2]!.onnx, later, later);
      expect((await s.synthesize("Hi.", signal, { voice: "piper:c" })).samples.length).toBeGreaterThan(0);
      expect(released).toBe(2);
    } finally {
      proto.release = original;
    }
  });
});

describe("voice work at start-up", () => {
  test("waits for the installer, then fails plainly if it never comes", async () => {
    const installer = {} as ModelSource; // stands in for the installer: only passed on
    expect(await installsOnceStarted(async () => installer, 1_000)).toBe(installer);
    const e = await installsOnceStarted(() => new Promise(() => undefined), 20).catch((err) => err);
    expect(e).toBeInstanceOf(VoiceError);
    expect(e).toMatchObject({ code: "voice_failed", message: "the gateway is still starting", hint: "send it again in a moment" });
    // The installer's own failure is passed on as is.
    expect(await installsOnceStarted(() => Promise.reject(new Error("disk full")), 1_000).catch((err) => (err as Error).message)).toBe("disk full");
  });
});
