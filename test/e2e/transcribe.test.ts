import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeHelloModel } from "../helpers/ggml-model.ts";
import { sandbox } from "../helpers/bosun.ts";

/** A sandbox with the "hello" model installed as a custom Whisper target (verified by the installer like any other). */
function withHelloModel() {
  const box = sandbox();
  const modelsDir = join(box.home, "models", "whisper");
  mkdirSync(modelsDir, { recursive: true });
  const file = writeHelloModel(join(modelsDir, "ggml-hello.bin"));
  const bytes = readFileSync(file);
  box.writeConfig(
    `[[installs.custom]]\ntarget = "whisper:hello"\nurl = "http://127.0.0.1:9/ggml-hello.bin"\nsize = ${bytes.length}\nsha256 = "${createHash("sha256").update(bytes).digest("hex")}"\n`,
  );
  return box;
}

function speech(dir: string): { wav: string; ogg: string } {
  const wav = join(dir, "hello.wav");
  const ogg = join(dir, "hello.ogg");
  expect(spawnSync("espeak-ng", ["-w", wav, "hello"]).status).toBe(0);
  expect(spawnSync("opusenc", ["--quiet", wav, ogg]).status).toBe(0);
  return { wav, ogg };
}

describe("bosun transcribe (dist/bosun, no gateway)", () => {
  test("espeak-ng speech, as WAV and as an OGG/Opus voice note, is transcribed by the installed model", () => {
    const box = withHelloModel();
    const { wav, ogg } = speech(box.dir);
    const text = box.run(["transcribe", wav], { timeoutMs: 60_000 });
    expect(text.stderr).toBe("");
    expect(text.stdout).toBe("hello\n");
    expect(text.code).toBe(0);
    const json = box.run(["transcribe", ogg, "--json"], { timeoutMs: 60_000 });
    expect(json.code).toBe(0);
    const t = JSON.parse(json.stdout);
    expect(t).toMatchObject({ text: "hello", language: "en", model: "whisper:hello" });
    expect(t.segments).toHaveLength(1);
    expect(t.segments[0].text).toBe("hello");
    expect(t.segments[0].endMs).toBeGreaterThan(t.segments[0].startMs);
    expect(t.audioMs).toBeGreaterThan(300);
    // The sidecar was extracted into the home, private.
    expect(statSync(join(box.home, "bin", "whisper-cli")).mode & 0o777).toBe(0o700);
  }, 120_000);

  test("failures are one line and exit 1; usage errors exit 2", () => {
    const box = sandbox();
    const { wav } = speech(box.dir);
    const none = box.run(["transcribe", wav]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("error: no Whisper model is installed\nhint: install one with `bosun install whisper:base.en` (`bosun catalog whisper` lists them)\n");
    const missing = box.run(["transcribe", join(box.dir, "nope.ogg")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toStartWith("error: cannot read ");
    expect(box.run(["transcribe"]).code).toBe(2);
    expect(box.run(["transcribe", wav, "--model", "piper:x"]).code).toBe(2);

    const hello = withHelloModel();
    const notInstalled = hello.run(["transcribe", wav, "--model", "whisper:base.en"]);
    expect(notInstalled.code).toBe(1);
    expect(notInstalled.stderr).toBe("error: the Whisper model whisper:base.en is not installed (missing)\nhint: install it with `bosun install whisper:base.en`\n");
    const corrupt = join(hello.dir, "corrupt.ogg");
    writeFileSync(corrupt, "OggS garbage that is no voice note");
    const bad = hello.run(["transcribe", corrupt]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.split("\n")[0]).toStartWith("error: ");
  }, 60_000);

  test("bosun doctor names the sidecar and the model a voice message would use", () => {
    const box = withHelloModel();
    const r = box.run(["doctor"], { timeoutMs: 30_000 });
    expect(r.stdout).toContain("✓ voice          whisper.cpp version: 1.9.1; transcribes with whisper:hello");
  });
});

describe("a build without cmake", () => {
  test("still succeeds, says once that voice is disabled and why, and the binary says so too", () => {
    const root = resolve(import.meta.dir, "../..");
    const dir = mkdtempSync(join(tmpdir(), "bosun-novoice-"));
    // A PATH with node and bun but no cmake, and an empty sidecar cache.
    const binDir = join(dir, "path");
    mkdirSync(binDir);
    for (const tool of ["node", "git"]) {
      const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      if (found) symlinkSync(found, join(binDir, tool));
    }
    const out = join(dir, "bosun");
    const r = spawnSync(join(root, "node_modules/.bin/bun"), ["run", "build.ts", "--outfile", out], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
      env: { PATH: binDir, HOME: dir, BOSUN_BUILD_CACHE: join(dir, "cache") },
    });
    expect(r.status).toBe(0);
    expect(r.stderr.split("\n").filter((l) => l.includes("voice disabled"))).toEqual(["voice disabled: cmake is not installed (apt-get install cmake g++)"]);
    expect(existsSync(out)).toBe(true);
    const box = sandbox();
    const { wav } = speech(box.dir);
    const t = spawnSync(out, ["transcribe", wav], { cwd: box.dir, env: box.env, encoding: "utf8", timeout: 20_000 });
    expect(t.status).toBe(1);
    expect(t.stderr.split("\n")[0]).toBe("error: voice is not available: this bosun has no whisper sidecar (cmake is not installed (apt-get install cmake g++))");
    const d = spawnSync(out, ["doctor"], { cwd: box.dir, env: box.env, encoding: "utf8", timeout: 20_000 });
    expect(d.stdout).toContain("! voice          voice is not available: this bosun has no whisper sidecar (cmake is not installed");
  }, 180_000);
});

test("bosun transcribe refuses what is not a regular file, or too big, before reading it", () => {
  const sb = sandbox();
  const r = sb.run(["transcribe", "/dev/zero"], { timeoutMs: 10_000 });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("/dev/zero is not a regular file");
});


describe("bosun transcribe with a gateway running", () => {
  test("goes through the gateway (its config's model, its log), with the same output and the same --json as in-process", async () => {
    const box = withHelloModel();
    const { ogg } = speech(box.dir);
    // In-process first: no gateway.
    const alone = box.run(["transcribe", ogg, "--json"], { timeoutMs: 60_000 });
    expect(alone.code).toBe(0);
    const aloneText = box.run(["transcribe", ogg], { timeoutMs: 60_000 });
    expect(aloneText.stdout).toBe("hello\n");

    const up = await box.runAsync(["up", "--detach"], { timeoutMs: 30_000 });
    expect(up.code).toBe(0);
    try {
      const via = box.run(["transcribe", ogg, "--json"], { timeoutMs: 60_000 });
      expect(via.stderr).toBe("");
      expect(via.code).toBe(0);
      expect(JSON.parse(via.stdout)).toEqual(JSON.parse(alone.stdout));
      expect(box.run(["transcribe", ogg], { timeoutMs: 60_000 }).stdout).toBe("hello\n");
      // A config that knows no whisper:hello: in this process there is no model; the gateway's config has one.
      const other = join(box.dir, "other.toml");
      writeFileSync(other, "[agent]\nprovider = \"echo\"\n");
      const viaOther = box.run(["--config", other, "transcribe", ogg], { timeoutMs: 60_000 });
      expect(viaOther.stdout).toBe("hello\n");
      expect(viaOther.code).toBe(0);
      const log = readFileSync(join(box.home, "logs", "bosun.log"), "utf8");
      expect(log.split("\n").filter((l) => l.includes("voice: transcribed")).length).toBe(3);
      expect(log).toContain("with whisper:hello (cli)");
      // The gateway's errors come back as in-process ones: the same words, exit 1.
      const notInstalled = box.run(["transcribe", ogg, "--model", "whisper:base.en"]);
      expect(notInstalled.code).toBe(1);
      expect(notInstalled.stderr).toBe("error: the Whisper model whisper:base.en is not installed (missing)\nhint: install it with `bosun install whisper:base.en`\n");
    } finally {
      expect(box.run(["down"], { timeoutMs: 30_000 }).code).toBe(0);
    }
    // Gone again: in-process, and with the other config there is no model.
    const after = box.run(["--config", join(box.dir, "other.toml"), "transcribe", ogg]);
    expect(after.code).toBe(1);
    expect(after.stderr).toStartWith("error: no Whisper model is installed");
  }, 180_000);
});
