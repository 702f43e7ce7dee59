import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sidecarCachePath } from "../../scripts/whisper-sidecar.ts";
import { decodeAudio } from "../../src/core/voice/decode.ts";
import { WhisperSidecar, wav16k } from "../../src/core/voice/sidecar.ts";
import { WhisperTranscriber } from "../../src/core/voice/transcriber.ts";
import { helloModel, writeHelloModel } from "../helpers/ggml-model.ts";
import { speechDir } from "../helpers/speech.ts";

// The whisper-cli build.ts compiled and cached (`npx bun run build.ts` needs cmake and g++).
const cached = sidecarCachePath();
const cli = cached && existsSync(cached.bin) ? cached.bin : null;
if (!cli) console.warn("ggml-model.test: skipped, no cached whisper-cli (run `npx bun run build.ts` with cmake and g++ installed)");

const speech = speechDir();
afterAll(() => speech.cleanup());

describe("the generated hello model", () => {
  test("is deterministic and quick to make", () => {
    const t0 = performance.now();
    const a = helloModel();
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000);
    expect(createHash("sha256").update(a).digest("hex")).toBe(createHash("sha256").update(helloModel()).digest("hex"));
    expect(a.length).toBeLessThan(5_000_000);
  });

  test.skipIf(!cli)("whisper-cli transcribes espeak-ng speech as hello, with and without timestamps", () => {
    const model = writeHelloModel(join(speech.dir, "ggml-hello.bin"));
    const wav = join(speech.dir, "speech16k.wav");
    // whisper-cli wants 16 kHz: go through bosun's own decoder, as the gateway does.
    return decodeAudio({ bytes: speech.read(speech.wav("good morning, how are you today")) }, new AbortController().signal).then((pcm) => {
      writeFileSync(wav, wav16k(pcm));
      for (const extra of [[], ["-nt"]]) {
        const of = join(speech.dir, `out${extra.length}`);
        execFileSync(cli!, ["-m", model, "-f", wav, "-t", "1", "-oj", "-of", of, ...extra], { stdio: "pipe", timeout: 60_000 });
        const json = JSON.parse(readFileSync(`${of}.json`, "utf8")) as { transcription: Array<{ text: string }> };
        expect(json.transcription.map((s) => s.text).join("")).toBe(" hello");
      }
    });
  });

  test.skipIf(!cli)("a Telegram-style OGG/Opus voice note goes through the transcriber as \"hello\"", async () => {
    const model = writeHelloModel(join(speech.dir, "ggml-hello2.bin"));
    const embedded = { path: cli!, sha256: createHash("sha256").update(readFileSync(cli!)).digest("hex"), version: cached!.version };
    const t = new WhisperTranscriber({
      sidecar: new WhisperSidecar({ embedded, binDir: join(speech.dir, "bin"), maxConcurrent: 1, threads: 1 }),
      decode: decodeAudio,
      model: async () => ({ target: "whisper:hello", path: model }),
      config: () => ({ timeout_ms: 60_000, max_seconds: 300, max_bytes: 20_000_000 }),
    });
    const ogg = speech.ogg(speech.wav("please remind me to buy milk"));
    const r = await t.transcribe({ bytes: speech.read(ogg), mime: "audio/ogg", name: "voice.oga" }, new AbortController().signal);
    expect(r.text).toBe("hello");
    expect(r.model).toBe("whisper:hello");
    expect(r.audioMs).toBeGreaterThan(1000);
  });
});
