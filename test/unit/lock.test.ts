import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireLock } from "../../src/core/lock.ts";
import { pidAlive, processStartTicks } from "../../src/core/util/process.ts";
import { spawnTogether } from "../helpers/proc.ts";

const dir = () => mkdtempSync(join(tmpdir(), "bosun-lock-"));

describe("acquireLock", () => {
  test("second acquire is refused and names the live holder", async () => {
    const path = join(dir(), "x.lock");
    // A live process other than us holds it.
    const holder = spawn("sleep", ["30"]);
    try {
      writeFileSync(path, JSON.stringify({ pid: holder.pid, startedAt: "t0" }));
      const r = acquireLock(path);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.holder.pid).toBe(holder.pid!);
    } finally {
      holder.kill();
    }
  });

  test("a lock whose pid is dead is taken over; release removes it", async () => {
    const path = join(dir(), "x.lock");
    const child = spawn("true");
    await new Promise((r) => child.once("exit", r));
    writeFileSync(path, JSON.stringify({ pid: child.pid, startedAt: "t0" }));
    const r = acquireLock(path);
    expect(r.ok).toBe(true);
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
    if (r.ok) r.release();
    expect(existsSync(path)).toBe(false);
  });

  test("a lock whose pid now belongs to another process (started at another time) is stale", async () => {
    const path = join(dir(), "x.lock");
    const other = spawn("sleep", ["30"]);
    try {
      await new Promise((r) => other.once("spawn", r));
      const start = processStartTicks(other.pid!);
      expect(start).not.toBeNull();
      // Same pid, same start: the holder itself, alive.
      writeFileSync(path, JSON.stringify({ pid: other.pid, startedAt: "t0", procStart: start }));
      const held = acquireLock(path);
      expect(held).toMatchObject({ ok: false, holder: { pid: other.pid, procStart: start } });
      // Same pid, another start: a reuse of the pid; the lock is taken over.
      writeFileSync(path, JSON.stringify({ pid: other.pid, startedAt: "t0", procStart: start! - 100 }));
      const r = acquireLock(path);
      expect(r.ok).toBe(true);
      expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ pid: process.pid, procStart: processStartTicks(process.pid) });
      if (r.ok) r.release();
    } finally {
      other.kill();
    }
  });

  test("a lock path that can't be read is a clear error, not a takeover", () => {
    const path = join(dir(), "x.lock");
    mkdirSync(path);
    expect(() => acquireLock(path)).toThrow(`cannot read the lock file ${path} (EISDIR)`);
    expect(existsSync(path)).toBe(true);
  });

  test("an unparseable old lock is stale", () => {
    const path = join(dir(), "x.lock");
    writeFileSync(path, "garbage");
    const old = new Date(Date.now() - 60_000);
    require("node:fs").utimesSync(path, old, old);
    expect(acquireLock(path).ok).toBe(true);
  });

  test("many concurrent takeovers of one stale lock end with exactly one owner; no loser names the dead pid", async () => {
    const d = dir();
    const path = join(d, "x.lock");
    const dead = 2 ** 22 + 999;
    writeFileSync(path, JSON.stringify({ pid: dead, startedAt: "dead" }));
    const script = join(d, "take.ts");
    // Each child loads, says "ready", takes the lock on "go", says how it went, and holds what it
    // won until its stdin ends: every attempt overlaps every other.
    writeFileSync(
      script,
      `import { acquireLock } from ${JSON.stringify(join(import.meta.dir, "../../src/core/lock.ts"))};\n` +
        `const lines = console[Symbol.asyncIterator]();\n` +
        `console.log("ready");\n` +
        `await lines.next();\n` +
        `const r = acquireLock(${JSON.stringify(path)});\n` +
        `console.log(r.ok ? "won" : "lost:" + r.holder.pid);\n` +
        `await lines.next();\n`,
    );
    const children = await spawnTogether(script, 8);
    const results = await Promise.all(children.map(async (x) => (await x.lines(1))[0]));
    for (const x of children) x.child.stdin!.end();
    await Promise.all(children.map((x) => x.exited));
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    expect(results.filter((r) => r === `lost:${dead}`)).toEqual([]);
  });

  test("pidAlive", () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(-1)).toBe(false);
    expect(pidAlive(2 ** 22 + 7)).toBe(false);
  });
});
