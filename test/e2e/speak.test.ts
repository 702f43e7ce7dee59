import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodeAudio } from "../../src/core/voice/decode.ts";
import { phonemesToIds } from "../../src/core/voice/tts/phoneme-ids.ts";
import { phonemizeClauses } from "../../src/core/voice/tts/phonemize.ts";
import { parseWav } from "../../src/core/voice/wav.ts";
import { sandbox } from "../helpers/bosun.ts";
import { installToneVoice, readToneIds, TONE_ID_MAP } from "../helpers/tone-voice.ts";

const root = resolve(import.meta.dir, "../..");
const signal = new AbortController().signal;

async function expectedIds(text: string): Promise<number[]> {
  const map = new Map(Object.entries(TONE_ID_MAP));
  return (await phonemizeClauses(text, "en-us")).flatMap((c) => phonemesToIds(c, map).ids);
}

/**
 * dist/bosun copied out of the checkout and run from a temp dir with a PATH that holds only the
 * system's tools: nothing from node_modules can be reached.
 */
function detached(withVoice: boolean) {
  const box = sandbox({ PATH: "/usr/bin:/bin" });
  const bin = join(box.dir, "bosun");
  copyFileSync(join(root, "dist/bosun"), bin);
  if (withVoice) box.writeConfig(installToneVoice(box.home).toml);
  const run = (args: string[]) => {
    const r = spawnSync(bin, args, { cwd: box.dir, env: box.env, encoding: "utf8", timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  return { ...box, bin, run };
}

describe("bosun speak (dist/bosun alone, no gateway)", () => {
  test("writes an OGG/Opus voice note and a WAV whose audio decodes back to the ids of the text's phonemes", async () => {
    const box = detached(true);
    const text = "Hello world. How are you?";
    const ogg = join(box.dir, "hello.ogg");
    const r = box.run(["speak", text, "--out", ogg, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    const bytes = readFileSync(ogg);
    expect(res).toEqual({ voice: "piper:tone", out: ogg, durationMs: expect.any(Number), bytes: bytes.length });
    const ids = await expectedIds(text);
    expect(readToneIds((await decodeAudio({ bytes }, signal)).samples, 16_000)).toEqual(ids);
    const info = spawnSync("opusinfo", [ogg], { encoding: "utf8" });
    expect(info.status).toBe(0);
    expect(`${info.stdout}${info.stderr}`).not.toMatch(/WARNING|ERROR/);
    // onnxruntime was extracted into the home, private.
    const lib = join(box.home, "lib", "onnxruntime-1.30.0");
    expect(statSync(lib).mode & 0o777).toBe(0o700);
    expect(statSync(join(lib, "libonnxruntime.so.1")).mode & 0o777).toBe(0o700);

    // A tampered library is replaced from the binary before it is loaded.
    writeFileSync(join(lib, "libonnxruntime.so.1"), "not a library");
    const wav = join(box.dir, "hello.wav");
    const w = box.run(["speak", text, "--out", wav]);
    expect(w.stderr).toBe("");
    expect(w.stdout).toMatch(/^wrote .*hello\.wav \(\d+\.\d s, piper:tone\)\n$/);
    expect(statSync(join(lib, "libonnxruntime.so.1")).size).toBeGreaterThan(10_000_000);
    const audio = parseWav(readFileSync(wav), 60);
    expect(audio.sampleRate).toBe(22_050);
    expect(readToneIds(audio.samples, audio.sampleRate)).toEqual(ids);
  }, 120_000);

  test("failures are one line and exit 1; usage errors exit 2", () => {
    const none = detached(false);
    const out = join(none.dir, "x.ogg");
    const r = none.run(["speak", "hello", "--out", out]);
    expect(r.stderr).toBe("error: no Piper voice is installed\nhint: install one with `bosun install piper:en_US-lessac-medium` (`bosun catalog piper` lists them)\n");
    expect(r.code).toBe(1);

    const box = detached(true);
    const badExt = box.run(["speak", "hello", "--out", join(box.dir, "x.mp3")]);
    expect(badExt.code).toBe(2);
    expect(badExt.stderr.split("\n")[0]).toBe('error: --out must end in .ogg (OGG/Opus) or .wav, not ".mp3"');
    expect(box.run(["speak", "hello"]).code).toBe(2);
    expect(box.run(["speak", "--out", out]).code).toBe(2);
    expect(box.run(["speak", "hello", "--out", out, "--voice", "whisper:x"]).code).toBe(2);
    const noDir = box.run(["speak", "hello", "--out", join(box.dir, "missing", "x.ogg")]);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toBe(`error: cannot write ${join(box.dir, "missing", "x.ogg")}: no such directory\n`);
    mkdirSync(join(box.dir, "d.ogg"));
    expect(box.run(["speak", "hello", "--out", join(box.dir, "d.ogg")]).stderr).toBe(`error: cannot write ${join(box.dir, "d.ogg")}: it is a directory\n`);
    const notInstalled = box.run(["speak", "hello", "--out", out, "--voice", "piper:en_US-lessac-medium"]);
    expect(notInstalled.code).toBe(1);
    expect(notInstalled.stderr).toBe("error: the Piper voice piper:en_US-lessac-medium is not installed (missing)\nhint: install it with `bosun install piper:en_US-lessac-medium`\n");
  }, 60_000);

  test("bosun doctor says the runtime loads and which voice speaks, or how to install one", () => {
    expect(detached(true).run(["doctor"]).stdout).toContain("✓ speech         onnxruntime 1.30.0; speaks with piper:tone\n");
    const none = detached(false).run(["doctor"]).stdout;
    expect(none).toContain("! speech         onnxruntime 1.30.0; no Piper voice is installed\n");
    expect(none).toContain("bosun install piper:en_US-lessac-medium");
  }, 60_000);
});

test("a build without onnxruntime-node's files still succeeds, says once why, and the binary says so too", () => {
  const dir = mkdtempSync(join(tmpdir(), "bosun-nottsbuild-"));
  const out = join(dir, "bosun");
  const r = spawnSync(join(root, "node_modules/.bin/bun"), ["run", "build.ts", "--outfile", out], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, BOSUN_BUILD_ORT_PACKAGE: join(dir, "no-onnxruntime") },
  });
  expect(r.status).toBe(0);
  expect(r.stderr.split("\n").filter((l) => l.includes("speech synthesis disabled"))).toEqual(["speech synthesis disabled: onnxruntime-node is not installed (npm install)"]);
  const box = sandbox();
  box.writeConfig(installToneVoice(box.home).toml);
  const s = spawnSync(out, ["speak", "hello", "--out", join(box.dir, "x.ogg")], { cwd: box.dir, env: box.env, encoding: "utf8", timeout: 20_000 });
  expect(s.status).toBe(1);
  expect(s.stderr.split("\n")[0]).toBe("error: speech synthesis is not available: this bosun was built without onnxruntime (onnxruntime-node is not installed (npm install))");
}, 180_000);
