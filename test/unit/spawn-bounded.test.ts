import { describe, expect, test } from "bun:test";
import { pidAlive } from "../../src/core/util/process.ts";
import { spawnBounded } from "../../src/core/util/spawn.ts";

describe("spawnBounded (the sidecar's runs, its --version probe and ffmpeg)", () => {
  test("stdin in, stdout kept, the end of stderr kept, the exit code", async () => {
    const r = await spawnBounded("sh", ["-c", "cat; printf 'a%.0s' $(seq 1 50) >&2; echo ' last' >&2; exit 3"], { timeoutMs: 10_000, stdin: new TextEncoder().encode("hello"), maxStdout: 100, keepText: 10 });
    expect(r.code).toBe(3);
    expect(r.stopped).toBeNull();
    expect(r.stdout.toString()).toBe("hello");
    expect(r.text).toBe("aaaaa last\n".slice(-10));
  });

  test("a run past its timeout is killed (SIGKILL) and says so", async () => {
    const t0 = Date.now();
    const r = await spawnBounded("sh", ["-c", "echo $$ >&2; exec sleep 30"], { timeoutMs: 100 });
    expect(r.stopped).toBe("timeout");
    expect(r.signal).toBe("SIGKILL");
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(pidAlive(Number(r.text.trim()))).toBe(false);
  });

  test("stdout past maxStdout kills it: what it wrote is counted, only the cap is kept", async () => {
    const r = await spawnBounded("sh", ["-c", "exec yes"], { timeoutMs: 10_000, maxStdout: 64 * 1024 });
    expect(r.stopped).toBe("overflow");
    expect(r.stdoutBytes).toBeGreaterThan(64 * 1024);
    expect(r.stdout.length).toBeLessThanOrEqual(64 * 1024);
  });

  test("an abort kills it; an abort before the start runs nothing", async () => {
    const ac = new AbortController();
    const p = spawnBounded("sleep", ["30"], { timeoutMs: 60_000, signal: ac.signal });
    ac.abort();
    expect((await p).stopped).toBe("abort");
    const r = await spawnBounded("sh", ["-c", "exit 0"], { timeoutMs: 1000, signal: ac.signal });
    expect(r).toMatchObject({ stopped: "abort", code: null });
  });

  test("stdout as text (a --version that prints on either stream)", async () => {
    const r = await spawnBounded("sh", ["-c", "echo out; echo err >&2"], { timeoutMs: 10_000, stdoutAsText: true });
    expect(r.text.split("\n").filter(Boolean).sort()).toEqual(["err", "out"]);
  });

  test("a command that cannot be started rejects with the spawn error", async () => {
    await expect(spawnBounded("/nonexistent/bosun-no-such-cmd", [], { timeoutMs: 1000 })).rejects.toThrow(/ENOENT/);
  });
});
