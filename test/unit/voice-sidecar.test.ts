import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sidecarCachePath } from "../../scripts/whisper-sidecar.ts";
import { WhisperSidecar, parseOutput } from "../../src/core/voice/sidecar.ts";
import { WhisperTranscriber } from "../../src/core/voice/transcriber.ts";
import { decodeAudio } from "../../src/core/voice/decode.ts";
import { VoiceError, type Pcm16k } from "../../src/core/voice/types.ts";
import { AbortedError } from "../../src/core/util/abort.ts";
import { writeEmptyWhisperModel } from "../helpers/whisper-empty-model.ts";

// The whisper-cli build.ts compiled and cached (npm test builds first).
const cached = sidecarCachePath();
if (!cached || !existsSync(cached.bin)) throw new Error("no cached whisper-cli: run `npx bun run build.ts` first (it needs cmake and g++)");
const embedded = { path: cached.bin, sha256: createHash("sha256").update(readFileSync(cached.bin)).digest("hex"), version: cached.version };

const dir = mkdtempSync(join(tmpdir(), "bosun-sidecar-"));
const model = writeEmptyWhisperModel(join(dir, "ggml-empty.bin"));
const seconds = (s: number): Pcm16k => ({ samples: new Float32Array(s * 16_000).map((_, i) => 0.1 * Math.sin(i / 10)) });
const run = (over: Partial<Parameters<WhisperSidecar["run"]>[1]> = {}) => ({ modelPath: model, language: "en", timeoutMs: 60_000, signal: new AbortController().signal, ...over });
let n = 0;
const sidecar = (maxConcurrent = 1) => new WhisperSidecar({ embedded, binDir: join(dir, `home${++n}`, "bin"), maxConcurrent, threads: 1 });

/** A stand-in whisper-cli (a shell script) embedded like the real one: `body` runs with $out set to the -of path. */
function fakeCli(body: string): { path: string; sha256: string; version: string } {
  const path = join(dir, `fake-cli-${++n}`);
  writeFileSync(path, `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = "-of" ] && out="$2"; shift; done\n${body}\n`, { mode: 0o700 });
  return { path, sha256: createHash("sha256").update(readFileSync(path)).digest("hex"), version: "fake" };
}
/** One that writes an empty transcription at once: for what happens around the run. */
const quickCli = () => new WhisperSidecar({ embedded: fakeCli(`printf '{"transcription":[]}' > "$out.json"`), binDir: join(dir, `home${++n}`, "bin"), maxConcurrent: 1 });

/** pids of whisper-cli processes running on this test's model file. */
function running(modelPath = model): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      if (cmd[0]?.endsWith("/whisper-cli") && cmd.includes(modelPath)) out.push(Number(p));
    } catch {
      // Gone already.
    }
  }
  return out;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e) => e,
  );
}

describe("the whisper sidecar", () => {
  test("is extracted once into a 0700 bin dir, as a 0700 file matching the embedded sha256; a changed copy is replaced", async () => {
    const s = sidecar();
    const bin = s.ensureExtracted();
    const binDir = join(bin, "..");
    expect(statSync(binDir).mode & 0o777).toBe(0o700);
    expect(statSync(bin).mode & 0o777).toBe(0o700);
    expect(createHash("sha256").update(readFileSync(bin)).digest("hex")).toBe(embedded.sha256);
    // An older or tampered copy: the next process extracts the embedded one again.
    writeFileSync(bin, "#!/bin/sh\necho tampered\n");
    chmodSync(bin, 0o755);
    const again = new WhisperSidecar({ embedded, binDir, maxConcurrent: 1 });
    expect(again.ensureExtracted()).toBe(bin);
    expect(createHash("sha256").update(readFileSync(bin)).digest("hex")).toBe(embedded.sha256);
    expect(statSync(bin).mode & 0o777).toBe(0o700);
  });

  test("a copy replaced while the same process runs is not executed: it is checked before every run", async () => {
    const s = sidecar();
    await s.run(seconds(1), run());
    const bin = s.ensureExtracted();
    const marker = join(dir, `pwned${n}`);
    writeFileSync(bin, `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(bin, 0o700);
    await s.run(seconds(1), run());
    expect(existsSync(marker)).toBe(false);
    expect(createHash("sha256").update(readFileSync(bin)).digest("hex")).toBe(embedded.sha256);
  });

  test("runs whisper.cpp on the audio and reads its JSON (the empty test model hears nothing)", async () => {
    const r = await sidecar().run(seconds(2), run());
    expect(r).toEqual({ text: "", language: "en", segments: [] });
  });

  test("the transcriber decodes a WAV file and reports its length and model", async () => {
    const t = new WhisperTranscriber({
      sidecar: sidecar(),
      decode: decodeAudio,
      model: async () => ({ target: "whisper:empty", path: model }),
      config: () => ({ timeout_ms: 60_000, max_seconds: 300, max_bytes: 20_000_000 }),
    });
    const { wav16k } = await import("../../src/core/voice/sidecar.ts");
    const r = await t.transcribe({ bytes: wav16k(seconds(3)), name: "three.wav" }, new AbortController().signal);
    expect(r).toEqual({ text: "", language: "en", segments: [], audioMs: 3000, model: "whisper:empty" });
  });

  test("a run longer than timeout_ms is killed: voice_failed naming the setting", async () => {
    const e = await rejection(sidecar().run(seconds(5), run({ timeoutMs: 30 })));
    expect(e).toBeInstanceOf(VoiceError);
    expect((e as VoiceError).code).toBe("voice_failed");
    expect((e as VoiceError).message).toBe("transcription took longer than 30 ms ([voice] timeout_ms)");
    expect(running()).toEqual([]);
  });

  test("an abort kills the run and rejects with AbortedError", async () => {
    const ac = new AbortController();
    const p = sidecar().run(seconds(20), run({ signal: ac.signal }));
    while (running().length === 0) await Bun.sleep(5);
    ac.abort();
    expect(await rejection(p)).toBeInstanceOf(AbortedError);
    expect(running()).toEqual([]);
  });

  test("a sidecar killed mid-run is voice_failed, and the next run works", async () => {
    const s = sidecar();
    const p = s.run(seconds(20), run());
    let pids: number[] = [];
    while ((pids = running()).length === 0) await Bun.sleep(5);
    process.kill(pids[0]!, "SIGKILL");
    const e = await rejection(p);
    expect((e as VoiceError).code).toBe("voice_failed");
    expect((e as VoiceError).message).toBe("the whisper sidecar was killed (SIGKILL)");
    expect(await s.run(seconds(1), run())).toEqual({ text: "", language: "en", segments: [] });
  });

  test("max_concurrent caps the runs at once", async () => {
    const peak = async (cap: number) => {
      const s = sidecar(cap);
      let max = 0;
      let done = false;
      const all = Promise.all([0, 1, 2].map(() => s.run(seconds(20), run()))).finally(() => (done = true));
      while (!done) {
        max = Math.max(max, running().length);
        await Bun.sleep(5);
      }
      await all;
      return max;
    };
    expect(await peak(1)).toBe(1);
    expect(await peak(2)).toBe(2);
  }, 60_000);

  test("decoding waits for a sidecar slot too: max_concurrent 1 decodes four voice notes one at a time", async () => {
    let active = 0;
    let peak = 0;
    const t = new WhisperTranscriber({
      sidecar: quickCli(),
      // The real decoder, watched: how many decodes are under way at once.
      decode: async (audio, signal) => {
        peak = Math.max(peak, ++active);
        try {
          await new Promise((r) => setTimeout(r, 5));
          return await decodeAudio(audio, signal);
        } finally {
          active--;
        }
      },
      model: async () => ({ target: "whisper:empty", path: model }),
      config: () => ({ timeout_ms: 60_000, max_seconds: 300, max_bytes: 20_000_000 }),
    });
    const { wav16k } = await import("../../src/core/voice/sidecar.ts");
    const note = wav16k(seconds(1));
    await Promise.all(Array.from({ length: 4 }, () => t.transcribe({ bytes: note }, new AbortController().signal)));
    expect(peak).toBe(1);
  }, 60_000);

  test("a reloaded max_concurrent applies to the next voice messages", async () => {
    let active = 0;
    let peak = 0;
    const cfg = { timeout_ms: 60_000, max_seconds: 300, max_bytes: 20_000_000, max_concurrent: 1 };
    const t = new WhisperTranscriber({
      sidecar: quickCli(),
      decode: async (audio, signal) => {
        peak = Math.max(peak, ++active);
        try {
          await new Promise((r) => setTimeout(r, 20));
          return await decodeAudio(audio, signal);
        } finally {
          active--;
        }
      },
      model: async () => ({ target: "whisper:empty", path: model }),
      config: () => cfg,
    });
    const { wav16k } = await import("../../src/core/voice/sidecar.ts");
    const note = wav16k(seconds(1));
    const three = () => Promise.all([0, 1, 2].map(() => t.transcribe({ bytes: note }, new AbortController().signal)));
    await three();
    expect(peak).toBe(1);
    cfg.max_concurrent = 3; // what a config reload does: the transcriber reads its config per call
    peak = 0;
    await three();
    expect(peak).toBe(3);
    cfg.max_concurrent = 1;
    peak = 0;
    await three();
    expect(peak).toBe(1);
  }, 60_000);

  test("a CPU without AVX2: doctor's probe and a transcription say so in one line, before anything runs", async () => {
    // A CPU from before 2013: SSE4.2 but no AVX2/FMA/F16C (the flags line of /proc/cpuinfo).
    const old = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr sse sse2 ssse3 sse4_1 sse4_2 popcnt aes avx\n";
    const marker = join(dir, `ran${++n}`);
    const s = new WhisperSidecar({ embedded: fakeCli(`touch ${marker}`), binDir: join(dir, `home${n}`, "bin"), maxConcurrent: 1, cpuinfo: () => old });
    const line = "this CPU lacks AVX2, FMA, F16C; voice needs a CPU with AVX2, FMA and F16C (Intel Haswell, AMD Excavator or newer)";
    const probed = (await rejection(s.probe())) as VoiceError;
    expect(probed.code).toBe("voice_unavailable");
    expect(probed.message).toBe(line);
    let decoded = false;
    const t = new WhisperTranscriber({
      sidecar: s,
      decode: async () => {
        decoded = true;
        return seconds(1);
      },
      model: async () => ({ target: "whisper:empty", path: model }),
      config: () => ({ timeout_ms: 60_000, max_seconds: 300, max_bytes: 20_000_000 }),
    });
    const e = (await rejection(t.transcribe({ bytes: new Uint8Array(100) }, new AbortController().signal))) as VoiceError;
    expect(e.message).toBe(line);
    expect((await rejection(s.run(seconds(1), run()))) as VoiceError).toMatchObject({ message: line });
    expect(decoded).toBe(false);
    expect(existsSync(marker)).toBe(false);
    // This machine's own flags (or a CPU that has them) let it run.
    const ok = new WhisperSidecar({ embedded: fakeCli(`printf '{"transcription":[]}' > "$out.json"`), binDir: join(dir, `home${++n}`, "bin"), maxConcurrent: 1, cpuinfo: () => "flags\t: sse avx avx2 fma f16c\n" });
    expect(await ok.run(seconds(1), run())).toEqual({ text: "", language: null, segments: [] });
  });

  test("a whisper-cli that dies of SIGILL (an instruction this CPU lacks) says the CPU line, not a crash", async () => {
    const s = new WhisperSidecar({ embedded: fakeCli("kill -ILL $$"), binDir: join(dir, `home${++n}`, "bin"), maxConcurrent: 1, cpuinfo: () => null });
    const line = "this CPU lacks AVX2; voice needs a CPU with AVX2, FMA and F16C (Intel Haswell, AMD Excavator or newer)";
    expect((await rejection(s.run(seconds(1), run()))) as VoiceError).toMatchObject({ code: "voice_unavailable", message: line });
    expect((await rejection(s.probe())) as VoiceError).toMatchObject({ code: "voice_unavailable", message: line });
  });

  test("a model whisper.cpp cannot load is voice_failed with the sidecar's own words", async () => {
    const bad = join(dir, "ggml-bad.bin");
    writeFileSync(bad, "not a model");
    const e = await rejection(sidecar().run(seconds(1), run({ modelPath: bad })));
    expect((e as VoiceError).code).toBe("voice_failed");
    expect((e as VoiceError).message).toMatch(/^the whisper sidecar failed \(exit \d+\): .*failed to initialize whisper context/);
  });

  test("a build without the sidecar is voice_unavailable, saying why", async () => {
    const s = new WhisperSidecar({ embedded: null, disabledReason: "cmake is not installed", binDir: join(dir, "none"), maxConcurrent: 1 });
    const e = await rejection(s.run(seconds(1), run()));
    expect((e as VoiceError).code).toBe("voice_unavailable");
    expect((e as VoiceError).message).toBe("voice is not available: this bosun has no whisper sidecar (cmake is not installed)");
  });

  test("whisper-cli's JSON: segments with their offsets, text joined and trimmed; malformed segments skipped", () => {
    expect(
      parseOutput({
        result: { language: "de" },
        transcription: [
          { offsets: { from: 0, to: 1200 }, text: " Hallo" },
          { offsets: { from: 1200, to: 2500 }, text: " Welt. " },
          { offsets: {}, text: " x" },
          { text: 5 },
        ],
      }),
    ).toEqual({ text: "Hallo Welt.", language: "de", segments: [{ startMs: 0, endMs: 1200, text: "Hallo" }, { startMs: 1200, endMs: 2500, text: "Welt." }] });
    expect(() => parseOutput({ nope: 1 })).toThrow(VoiceError);
  });
});
