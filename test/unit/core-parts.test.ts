import { describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import { Redactor } from "../../src/core/log.ts";
import { defineProvider } from "../../src/core/providers/collect.ts";
import { echoProvider } from "../../src/core/providers/echo.ts";
import type { Provider } from "../../src/core/providers/types.ts";
import { emptyStatus, withUptime } from "../../src/core/status.ts";
import { reduceStatus } from "../../src/core/status-reducer.ts";
import { AsyncQueue } from "../../src/core/util/queue.ts";

const silent = createConsola({ level: -999 });

describe("AsyncQueue", () => {
  test("delivers pushed items in order, then ends", async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.push(2);
    setTimeout(() => {
      q.push(3);
      q.end();
    }, 1);
    const got: number[] = [];
    for await (const x of q) got.push(x);
    expect(got).toEqual([1, 2, 3]);
  });
  test("an end with an error is thrown to the consumer after buffered items", async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.end(new Error("boom"));
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of q) got.push(x);
      })(),
    ).rejects.toThrow("boom");
    expect(got).toEqual([1]);
  });
});

describe("EventBus + reduceStatus", () => {
  test("a throwing listener does not stop other listeners", () => {
    const bus = new EventBus({ now: () => 0 });
    const seen: string[] = [];
    bus.on(() => {
      throw new Error("bad listener");
    });
    bus.on((e) => seen.push(e.type));
    bus.emit({ type: "config.reloaded", configPath: null });
    expect(seen).toEqual(["config.reloaded"]);
  });

  test("adapter and message events fold into status", () => {
    const events: BosunEvent[] = [];
    const bus = new EventBus({ now: () => Date.parse("2026-01-01T00:00:00Z") });
    bus.on((e) => events.push(e));
    const adapter = { name: "web", kind: "webchat", state: "running" as const, restarts: 0, since: "x", lastError: null, nextRetryAt: null, lastInboundAt: null, lastOutboundAt: null };
    bus.emit({ type: "gateway.state", gateway: { state: "running", pid: 7, startedAt: "2025-12-31T23:59:00.000Z" } });
    bus.emit({ type: "adapter.state", adapter });
    bus.emit({ type: "message.inbound", adapter: "web", conversation: "c", user: "u", text: "hi" });
    bus.emit({ type: "adapter.state", adapter: { ...adapter, name: "another" } });
    const s = events.reduce(reduceStatus, emptyStatus("1"));
    expect(s.gateway.state).toBe("running");
    expect(s.adapters.map((a) => a.name)).toEqual(["another", "web"]);
    expect(s.adapters[1]!.lastInboundAt).toBe("2026-01-01T00:00:00.000Z");
    expect(withUptime(s, Date.parse("2026-01-01T00:00:00Z")).gateway.uptimeMs).toBe(60_000);
    const removed = reduceStatus(s, { type: "adapter.removed", at: "", name: "another" });
    expect(removed.adapters.map((a) => a.name)).toEqual(["web"]);
  });
});

describe("Redactor", () => {
  test("replaces every secret, longest first", () => {
    const r = new Redactor();
    r.set(["abcd1234", "abcd1234-long-secret", "xy"]);
    expect(r.apply("key abcd1234-long-secret and abcd1234 and xy")).toBe("key [redacted] and [redacted] and xy");
  });
});
