import { describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { AdapterManager } from "../../src/core/adapters/manager.ts";
import type { AdapterConfig } from "../../src/core/adapters/types.ts";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import { advanceUntil, FakeClock, settle } from "../helpers/fake-clock.ts";
import { FakeKind, registerFakeKind } from "../helpers/fake-adapter.ts";
import { scriptedProvider, startRuntime } from "../helpers/runtime.ts";

const T = {
  backoff_initial_ms: 1_000,
  backoff_max_ms: 60_000,
  healthy_after_ms: 10_000,
  failed_after: 10,
  stale_after_ms: 300_000,
  stop_timeout_ms: 5_000,
};
const cfg = (extra: Partial<AdapterConfig> = {}): AdapterConfig => ({ kind: "fake", ...T, ...extra });

const useFake = registerFakeKind();

function setup(opts: { random?: () => number; firstStartTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const bus = new EventBus(clock);
  const events: BosunEvent[] = [];
  bus.on((e) => events.push(e));
  const kind = new FakeKind();
  useFake(async () => kind.factory);
  const log = createConsola({ level: 4, reporters: [{ log: (o) => void bus.emit({ type: "log", level: o.type === "error" ? "error" : "info", tag: o.tag, message: String(o.args.join(" ")) }) }] });
  const manager = new AdapterManager({
    bus,
    log,
    clock,
    random: opts.random ?? (() => 1),
    stateDir: "/tmp/bosun-supervisor-test",
    firstStartTimeoutMs: opts.firstStartTimeoutMs ?? 10_000,
  });
  void startRuntime({ channels: manager, clock, bus });
  const state = (name = "a") => manager.list().find((s) => s.name === name);
  const states = (name = "a") => events.flatMap((e) => (e.type === "adapter.state" && e.adapter.name === name ? [e.adapter.state] : []));
  return { clock, bus, events, kind, manager, state, states };
}

describe("supervisor", () => {
  test("a start failure is retried after the backoff; restarts counts it", async () => {
    const { clock, kind, manager, state } = setup();
    kind.plan = ["fail"];
    const r = await manager.reconcile({ a: cfg() });
    expect(r.outcomes.a).toBe("failed");
    expect(state()!.state).toBe("backoff");
    expect(state()!.lastError).toContain("connect refused");
    expect(Date.parse(state()!.nextRetryAt!)).toBe(clock.now() + 1_000); // random()=1, first failure: base
    await clock.advance(999);
    expect(kind.of("a")).toHaveLength(1);
    await clock.advance(1);
    expect(kind.of("a")).toHaveLength(2);
    expect(state()!.state).toBe("running");
    expect(state()!.restarts).toBe(1);
    expect(state()!.lastError).toBeNull();
    await manager.stopAll();
  });

  test("a stream that ends is restarted after the backoff", async () => {
    const { clock, kind, manager, state, states } = setup();
    await manager.reconcile({ a: cfg() });
    kind.of("a")[0]!.queue.end();
    await settle();
    expect(state()!.state).toBe("backoff");
    expect(state()!.lastError).toBe("connection ended");
    await clock.advance(1_000);
    expect(state()!.state).toBe("running");
    expect(state()!.restarts).toBe(1);
    expect(states()).toEqual(["starting", "running", "backoff", "starting", "running"]);
    await manager.stopAll();
  });

  test("no hot loop: a stream that ends immediately backs off exponentially", async () => {
    const { clock, kind, manager, state } = setup();
    kind.onShutdown = null;
    // Every connection ends as soon as it starts.
    const endAll = () => kind.conns.forEach((c) => c.started && c.queue.end());
    await manager.reconcile({ a: cfg() });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      endAll();
      await settle();
      const next = Date.parse(state()!.nextRetryAt!) - clock.now();
      delays.push(next);
      await clock.advance(next);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000]);
    // In a whole fake minute of immediate failures there are only a handful of attempts.
    expect(kind.of("a").length).toBeLessThanOrEqual(7);
    await manager.stopAll();
  });

  test("full jitter: the delay is random(0, min(cap, base * 2^n))", async () => {
    const { clock, kind, manager, state } = setup({ random: () => 0.25 });
    kind.plan = ["fail", "fail", "fail"];
    await manager.reconcile({ a: cfg() });
    expect(Date.parse(state()!.nextRetryAt!) - clock.now()).toBe(250);
    await clock.advance(250);
    expect(Date.parse(state()!.nextRetryAt!) - clock.now()).toBe(500);
    await manager.stopAll();
  });

  test("the backoff resets after the stream stayed healthy, or delivered an event", async () => {
    const { clock, kind, manager, state } = setup();
    kind.plan = ["fail", "fail"];
    await manager.reconcile({ a: cfg() });
    await clock.advance(1_000);
    await clock.advance(2_000);
    expect(state()!.state).toBe("running");
    await clock.advance(10_000); // healthy for healthy_after_ms
    kind.of("a").at(-1)!.queue.end();
    await settle();
    expect(Date.parse(state()!.nextRetryAt!) - clock.now()).toBe(1_000);
    await clock.advance(1_000);
    // A connection that ends at once counts as a failure: the delay grows again...
    kind.of("a").at(-1)!.queue.end();
    await settle();
    expect(Date.parse(state()!.nextRetryAt!) - clock.now()).toBe(2_000);
    await clock.advance(2_000);
    // ...but one that delivered an event has proved itself healthy, so the delay resets.
    kind.of("a").at(-1)!.message("m1", "hi");
    await settle();
    kind.of("a").at(-1)!.queue.end();
    await settle();
    expect(Date.parse(state()!.nextRetryAt!) - clock.now()).toBe(1_000);
    await manager.stopAll();
  });

  test("after 10 consecutive failures the state is failed, and retries continue at the cap", async () => {
    const { clock, kind, manager, state } = setup();
    kind.plan = Array(14).fill("fail");
    await manager.reconcile({ a: cfg() });
    for (let i = 1; i < 10; i++) {
      expect(state()!.state).toBe("backoff");
      await clock.advance(Date.parse(state()!.nextRetryAt!) - clock.now());
    }
    expect(state()!.state).toBe("failed");
    expect(state()!.lastError).toContain("connect refused");
    const attempts = kind.of("a").length;
    await clock.advance(60_000);
    expect(kind.of("a").length).toBe(attempts + 1);
    expect(Date.parse(state()!.nextRetryAt!) - clock.now()).toBe(60_000);
    await clock.advance(60_000 * 4);
    expect(state()!.state).toBe("running");
    await manager.stopAll();
  });

  test("an auth failure shows failed at once and retries at the cap", async () => {
    const { clock, kind, manager, state } = setup();
    kind.plan = ["auth"];
    await manager.reconcile({ a: cfg() });
    expect(state()!.state).toBe("failed");
    expect(state()!.lastError).toContain("token rejected");
    expect(Date.parse(state()!.nextRetryAt!) - clock.now()).toBe(60_000);
    await manager.stopAll();
  });

  test("a silent connection whose probe fails is restarted with reason stale", async () => {
    const { clock, kind, manager, state, events } = setup();
    await manager.reconcile({ a: cfg({ stale_after_ms: 30_000 }) });
    const first = kind.of("a")[0]!;
    await clock.advance(29_000);
    expect(kind.of("a")).toHaveLength(1);
    first.probeResult = true;
    await clock.advance(1_000); // quiet for 30 s: probe passes, nothing restarts
    expect(state()!.state).toBe("running");
    expect(first.shutdowns).toBe(0);
    first.probeResult = false;
    await clock.advance(30_000); // quiet again, probe fails
    expect(first.shutdowns).toBeGreaterThan(0);
    expect(state()!.lastError).toMatch(/^stale: no traffic/);
    const backoff = events.find((e) => e.type === "adapter.state" && e.adapter.state === "backoff");
    expect(backoff).toBeDefined();
    await clock.advance(1_000);
    expect(state()!.state).toBe("running");
    expect(state()!.restarts).toBe(1);
    await manager.stopAll();
  });

  test("traffic keeps a connection fresh: no probe while events arrive", async () => {
    const { clock, kind, manager } = setup();
    await manager.reconcile({ a: cfg({ stale_after_ms: 30_000 }) });
    const conn = kind.of("a")[0]!;
    conn.probeResult = false;
    for (let i = 0; i < 10; i++) {
      await clock.advance(20_000);
      conn.lastEventAt = clock.now();
    }
    expect(conn.shutdowns).toBe(0);
    await manager.stopAll();
  });

  test("a stopped adapter never restarts; start brings it back", async () => {
    const { clock, kind, manager, state } = setup();
    kind.plan = ["fail"];
    await manager.reconcile({ a: cfg() });
    await manager.stop("a");
    expect(state()!.state).toBe("stopped");
    await clock.advance(600_000);
    expect(kind.of("a")).toHaveLength(1);
    expect(await manager.start("a")).toBe("running");
    await manager.stopAll();
  });

  test("manual restart reconnects at once and counts a restart", async () => {
    const { kind, manager, state } = setup();
    await manager.reconcile({ a: cfg() });
    expect(await manager.restart("a")).toBe("running");
    expect(kind.of("a")).toHaveLength(2);
    expect(kind.of("a")[0]!.shutdowns).toBeGreaterThan(0);
    expect(state()!.restarts).toBe(1);
    expect(kind.maxLive).toBe(1);
    await manager.stopAll();
  });

  test("the first start is reported within the bounded wait; the supervisor keeps trying", async () => {
    const { clock, kind, manager, state } = setup({ firstStartTimeoutMs: 10_000 });
    kind.plan = ["hang"];
    const started = manager.reconcile({ a: cfg() });
    await clock.advance(10_000);
    expect((await started).outcomes.a).toBe("still-starting");
    expect(state()!.state).toBe("starting");
    await manager.stopAll();
    expect(state()!.state).toBe("stopped");
  });

  test("teardown finishes before a shutdown error is reported", async () => {
    const { kind, manager, events } = setup();
    await manager.reconcile({ a: cfg() });
    kind.shutdownError = new Error("socket close failed");
    await manager.stopAll();
    const stoppedAt = events.findIndex((e) => e.type === "adapter.state" && e.adapter.state === "stopped");
    const errorAt = events.findIndex((e) => e.type === "log" && e.message.includes("socket close failed"));
    expect(stoppedAt).toBeGreaterThan(-1);
    expect(errorAt).toBeGreaterThan(stoppedAt);
    expect(kind.live).toBe(0);
  });

  test("a removed adapter is never started again", async () => {
    const { clock, kind, manager } = setup();
    kind.plan = ["fail"];
    await manager.reconcile({ a: cfg(), b: cfg() });
    const r = await manager.reconcile({ b: cfg() });
    expect(r.removed).toEqual(["a"]);
    expect(manager.list().map((s) => s.name)).toEqual(["b"]);
    const attempts = kind.of("a").length;
    await clock.advance(3_600_000);
    expect(kind.of("a")).toHaveLength(attempts);
    await manager.stopAll();
  });

  test("never two runtimes for one name under concurrent reconcile and restart", async () => {
    const { clock, kind, manager } = setup();
    await manager.reconcile({ a: cfg() });
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      ops.push(manager.reconcile({ a: cfg({ stale_after_ms: 100_000 + i }) }));
      ops.push(manager.restart("a"));
      ops.push(manager.reconcile({ a: cfg({ stale_after_ms: 100_000 + i }) }));
    }
    await clock.advance(1);
    await Promise.all(ops);
    expect(kind.maxLive).toBe(1);
    expect(kind.live).toBe(1);
    expect(manager.list()).toHaveLength(1);
    await manager.stopAll();
    expect(kind.live).toBe(0);
  });

  test("messages are answered through the live connection", async () => {
    const { kind, manager, state } = setup();
    await manager.reconcile({ a: cfg() });
    kind.of("a")[0]!.message("m1", "hello");
    await settle();
    expect(kind.of("a")[0]!.sent).toEqual([{ conversation: "conv", thread: undefined, text: "echo: hello", replyTo: "m1", error: null }]);
    expect(state()!.lastInboundAt).not.toBeNull();
    expect(state()!.lastOutboundAt).not.toBeNull();
    await manager.stopAll();
  });

  test("a spoken reply goes through the live adapter: unsupported by one without sendVoice, not_connected by none", async () => {
    const { kind, manager } = setup();
    await manager.reconcile({ a: cfg() });
    const note = { bytes: new Uint8Array([1, 2, 3]), mime: "audio/ogg" as const, durationMs: 1000 };
    const m = { conversation: "c", text: "hi" };
    expect(await manager.sendVoice("a", m, note)).toBe("unsupported");
    expect(await manager.sendVoice("nobody", m, note)).toBe("not_connected");
    expect(kind.of("a")[0]!.sent).toEqual([]);
    await manager.stopAll();
    expect(await manager.sendVoice("a", m, note)).toBe("not_connected");
  });
});

describe("durable inbox", () => {
  test("a redelivered message that was answered gets no second reply on a push channel; a request/response channel gets the stored one", async () => {
    for (const answersDuplicates of [false, true]) {
      const clock = new FakeClock();
      const kind = new FakeKind();
      const provider = scriptedProvider((text, n) => `reply ${n} to ${text}`);
      const factory = async () => (ctx: Parameters<typeof kind.factory>[0]) => Object.assign(kind.factory(ctx), { answersDuplicates });
      useFake(factory);
      const m = new AdapterManager({
        bus: new EventBus(),
        log: createConsola({ level: -999 }),
        clock,
        stateDir: "/tmp",
        firstStartTimeoutMs: 1000,
      });
      await startRuntime({ channels: m, clock, provider });
      await m.reconcile({ a: cfg() });
      const conn = kind.of("a")[0]!;
      conn.message("same-id", "hello");
      await settle();
      conn.message("same-id", "hello");
      await settle();
      expect(provider.calls).toBe(1);
      expect(conn.sent.map((s) => s.text)).toEqual(answersDuplicates ? ["reply 1 to hello", "reply 1 to hello"] : ["reply 1 to hello"]);
      await m.stopAll();
    }
  });
});
