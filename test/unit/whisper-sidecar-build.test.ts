// The sidecar compile in build.ts: a failed compile is remembered (no 3 minutes lost at every
// build), retried on request or with another compiler; builds at once take turns (one compiles).
// A stand-in C++ compiler that fails makes cmake's configure step fail in about 2 s.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWhisperSidecar, sidecarCachePath } from "../../scripts/whisper-sidecar.ts";

const dir = mkdtempSync(join(tmpdir(), "bosun-sidecar-build-"));
const saved = { cache: process.env.BOSUN_BUILD_CACHE, cxx: process.env.CXX, retry: process.env.BOSUN_WHISPER_RETRY };
afterAll(() => {
  for (const [k, v] of [["BOSUN_BUILD_CACHE", saved.cache], ["CXX", saved.cxx], ["BOSUN_WHISPER_RETRY", saved.retry]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A C++ "compiler" that answers --version (so it is picked) and fails everything else. */
function brokenCxx(name: string, version: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "${version}"; exit 0; fi\nexit 1\n`, { mode: 0o755 });
  return path;
}

describe("compiling the whisper sidecar", () => {
  test("a failed compile is remembered; two builds at once compile once; a retry or another compiler compiles again", async () => {
    process.env.BOSUN_BUILD_CACHE = join(dir, "cache");
    process.env.CXX = brokenCxx("cxx-a", "brokenc++ 1.0");
    delete process.env.BOSUN_WHISPER_RETRY;
    const lines: string[] = [];
    const build = () => buildWhisperSidecar({ log: (l) => lines.push(l) });
    const compiles = () => lines.filter((l) => l.startsWith("compiling whisper.cpp")).length;

    const [a, b] = await Promise.all([build(), build()]);
    expect(compiles()).toBe(1);
    expect("disabled" in a && a.disabled).toStartWith("whisper.cpp did not compile (see ");
    expect("disabled" in b && b.disabled).toContain("did not compile with this compiler before");

    const again = await build();
    expect(compiles()).toBe(1);
    expect("disabled" in again && again.disabled).toMatch(/set BOSUN_WHISPER_RETRY=1 or delete .*failed-[0-9a-f]{12}\.txt to try again/);
    expect(sidecarCachePath()!.dir).toStartWith(join(dir, "cache"));

    process.env.BOSUN_WHISPER_RETRY = "1";
    await build();
    expect(compiles()).toBe(2);
    delete process.env.BOSUN_WHISPER_RETRY;

    process.env.CXX = brokenCxx("cxx-b", "brokenc++ 2.0");
    await build();
    expect(compiles()).toBe(3);
  }, 60_000);
});
