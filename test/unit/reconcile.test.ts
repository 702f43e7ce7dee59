import { describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { mkdtempSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalView, fingerprint } from "../../src/core/adapters/fingerprint.ts";
import { AdapterManager } from "../../src/core/adapters/manager.ts";
import { stateFileName } from "../../src/core/adapters/state-file.ts";
import type { AdapterConfig } from "../../src/core/adapters/types.ts";
import { loadConfig } from "../../src/core/config/load.ts";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { FakeKind, registerFakeKind } from "../helpers/fake-adapter.ts";

const useFake = registerFakeKind();
import { freePort } from "../helpers/bosun.ts";

const cfg = (extra: Record<string, unknown> = {}): AdapterConfig => ({
  kind: "fake",
  backoff_initial_ms: 10,
  backoff_max_ms: 100,
  healthy_after_ms: 1000,
  failed_after: 10,
  stale_after_ms: 300_000,
  stop_timeout_ms: 1000,
  ...extra,
});

function manager() {
  const kind = new FakeKind();
  useFake(async () => kind.factory);
  const bus = new EventBus();
  const m = new AdapterManager({
    bus,
    log: createConsola({ level: -999 }),
    clock: systemClock,
    stateDir: "/tmp",
    firstStartTimeoutMs: 1000,
  });
  return { kind, m, bus };
}

describe("fingerprints and file names", () => {
  test("secrets enter only as a 16-hex sha256; lists are sorted; key order does not matter", () => {
    const secret = "super-secret-token-value";
    const view = canonicalView({ kind: "irc", sasl_password: secret, channels: ["#b", "#a"], nick: "x" }) as Record<string, unknown>;
    expect(JSON.stringify(view)).not.toContain(secret);
    expect(view.sasl_password).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(view.channels).toEqual(["#a", "#b"]);
    expect(fingerprint({ a: 1, channels: ["#a", "#b"] })).toBe(fingerprint({ channels: ["#b", "#a"], a: 1 }));
    expect(fingerprint({ token: "one" })).not.toBe(fingerprint({ token: "two" }));
    expect(fingerprint({ token: "one" })).not.toContain("one");
  });

  test("per-instance file names are stable and distinct", () => {
    expect(stateFileName("tg")).toBe("tg_" + new Bun.CryptoHasher("sha256").update("tg").digest("hex").slice(0, 16) + ".json");
    expect(stateFileName("my bot")).toMatch(/^my_bot_[0-9a-f]{16}\.json$/);
    expect(stateFileName("my bot")).not.toBe(stateFileName("my_bot"));
    expect(stateFileName("x".repeat(100)).split("_")[0]).toHaveLength(64);
  });
});

describe("reconcile", () => {
  test("add, replace changed, remove, keep unchanged without reconnecting", async () => {
    const { kind, m } = manager();
    const r1 = await m.reconcile({ a: cfg(), b: cfg(), c: cfg() });
    expect(r1.added.sort()).toEqual(["a", "b", "c"]);
    const [a0, b0, c0] = ["a", "b", "c"].map((n) => kind.of(n)[0]!);
    const r2 = await m.reconcile({ a: cfg(), b: cfg({ stale_after_ms: 1234 }), d: cfg() });
    expect(r2).toMatchObject({ added: ["d"], replaced: ["b"], removed: ["c"], kept: ["a"] });
    expect(kind.of("a")).toHaveLength(1);
    expect(a0!.shutdowns).toBe(0);
    expect(b0!.shutdowns).toBeGreaterThan(0);
    expect(kind.of("b")).toHaveLength(2);
    expect((kind.of("b")[1]!.config as { stale_after_ms: number }).stale_after_ms).toBe(1234);
    expect(c0!.shutdowns).toBeGreaterThan(0);
    expect(m.list().map((s) => `${s.name}:${s.state}`)).toEqual(["a:running", "b:running", "d:running"]);
    await m.stopAll();
  });

  test("an unchanged reconcile touches nothing", async () => {
    const { kind, m } = manager();
    await m.reconcile({ a: cfg({ channels: ["#x", "#y"] }) });
    const r = await m.reconcile({ a: cfg({ channels: ["#y", "#x"] }) });
    expect(r).toMatchObject({ added: [], replaced: [], removed: [], kept: ["a"] });
    expect(kind.conns).toHaveLength(1);
    await m.stopAll();
  });
});

describe("hot reload through the gateway", () => {
  const toml = (ports: number[], extra = "") =>
    `[agent]\nprovider = "echo"\n[gateway]\nreload_debounce_ms = 30\n` +
    ports.map((p, i) => `[adapters.w${i}]\nkind = "webchat"\nlisten = "127.0.0.1:${p}"\n${extra}`).join("\n");

  async function waitFor<T extends BosunEvent["type"]>(bus: EventBus, type: T): Promise<Extract<BosunEvent, { type: T }>> {
    return new Promise((resolve) => {
      const off = bus.on((e) => {
        if (e.type === type) {
          off();
          resolve(e as Extract<BosunEvent, { type: T }>);
        }
      });
    });
  }

  test("an edit is applied, an invalid edit is rejected whole and shown, the gateway keeps running", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-reload-"));
    const path = join(dir, "bosun.toml");
    const [p0, p1, p2] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(path, toml([p0!, p1!]));
    const g = new Gateway({ home: join(dir, "home"), loaded: loadConfig({ flag: path, env: {}, cwd: dir }), env: {}, version: "t", control: false });
    await g.start();
    try {
      expect(g.snapshot().adapters.map((a) => a.name)).toEqual(["w0", "w1"]);
      const w0Since = g.snapshot().adapters[0]!.since;

      // Replace the file the way editors do (write elsewhere, rename over).
      let reloaded = waitFor(g.bus, "config.reloaded");
      writeFileSync(path + ".tmp", toml([p0!, p2!]));
      renameSync(path + ".tmp", path);
      await reloaded;
      const s = g.snapshot();
      expect(s.adapters.map((a) => `${a.name}:${a.state}`)).toEqual(["w0:running", "w1:running"]);
      expect(s.adapters[0]!.since).toBe(w0Since); // untouched
      expect((await fetch(`http://127.0.0.1:${p2}/healthz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${p1}/healthz`)).rejects.toThrow();

      const errored = waitFor(g.bus, "config.error");
      writeFileSync(path, toml([p0!, p2!]) + "\n[adapters.w0]\nlisen = 1\n");
      const e = await errored;
      expect(e.error.file).toBe(path);
      expect(e.error.line).toBeGreaterThan(1);
      expect(g.snapshot().gateway.configError).toMatchObject({ file: path });
      expect(g.snapshot().gateway.state).toBe("running");
      expect(g.snapshot().adapters.map((a) => `${a.name}:${a.state}`)).toEqual(["w0:running", "w1:running"]);

      reloaded = waitFor(g.bus, "config.reloaded");
      writeFileSync(path, toml([p0!]));
      await reloaded;
      expect(g.snapshot().gateway.configError).toBeNull();
      expect(g.snapshot().adapters.map((a) => a.name)).toEqual(["w0"]);
    } finally {
      await g.stop();
    }
  });
});
