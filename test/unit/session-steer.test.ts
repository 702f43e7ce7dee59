import { describe, expect, test } from "bun:test";
import type { OutboundMessage, TurnProgress } from "../../src/core/messages.ts";
import type { Channels } from "../../src/core/sessions/outbox.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { startRuntime } from "../helpers/runtime.ts";
import { waitUntil } from "../helpers/wait.ts";

class Sent implements Channels {
  texts: string[] = [];
  async send(_a: string, m: OutboundMessage): Promise<"sent" | "not_connected"> {
    this.texts.push(m.text);
    return "sent";
  }
  progress(_a: string, _p: TurnProgress): void {}
  answersDuplicates(): boolean {
    return false;
  }
}
const msg = (id: string, text: string, conversation = "c1") => ({ message: { id, conversation, user: "u", text } });

describe("steering a session", () => {
  test("stop: messages are stored and wait, shown as waiting; start answers them in order; other sessions go on", async () => {
    const ch = new Sent();
    const { runtime, store } = await startRuntime({ channels: ch, clock: systemClock });
    await runtime.inbound("a", msg("m1", "before"));
    await waitUntil(() => ch.texts.length === 1, "first reply");
    await runtime.steer("a:c1", "stop");
    for (const [i, t] of ["one", "two", "three"].entries()) await runtime.inbound("a", msg(`w${i}`, t));
    await runtime.inbound("a", msg("o1", "elsewhere", "c2"));
    await waitUntil(() => ch.texts.length === 2, "the other session's reply");
    expect(ch.texts).toEqual(["echo: before", "echo: elsewhere"]);
    const s = await store.session("a:c1");
    expect(s!.state).toBe("stopped");
    expect(s!.waiting).toBe(3);
    expect(s!.waitingMessages.map((w) => w.text)).toEqual(["one", "two", "three"]);
    const listed = await store.listStored({ state: "stopped" });
    expect(listed.sessions.map((x) => x.key)).toEqual(["a:c1"]);
    await runtime.steer("a:c1", "start");
    await waitUntil(() => ch.texts.length === 5, "the waiting ones answered");
    expect(ch.texts.slice(2)).toEqual(["echo: one", "echo: two", "echo: three"]);
    const after = await store.session("a:c1");
    expect(after!.waiting).toBe(0);
    expect(after!.state).toBe("idle");
  });

  test("a stopped session stays stopped across a restart; its messages wait until started", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const db = join(mkdtempSync(join(tmpdir(), "bosun-steer-")), "bosun.db");
    const ch = new Sent();
    const a = await startRuntime({ channels: ch, clock: systemClock, db });
    await a.runtime.steer("a:c1", "stop"); // no such session yet: nothing to stop
    await a.runtime.inbound("a", msg("m1", "hello"));
    await waitUntil(() => ch.texts.length === 1, "reply");
    await a.runtime.steer("a:c1", "stop");
    await a.runtime.inbound("a", msg("m2", "while stopped"));
    await a.runtime.stop(100);
    await a.close();
    const b = await startRuntime({ channels: ch, clock: systemClock, db });
    await new Promise((r) => setTimeout(r, 50));
    expect(ch.texts).toEqual(["echo: hello"]);
    expect(b.runtime.isStopped("a:c1")).toBe(true);
    await b.runtime.steer("a:c1", "start");
    await waitUntil(() => ch.texts.length === 2, "answered after start");
    expect(ch.texts[1]).toBe("echo: while stopped");
    await b.close();
  });

  test("reset: the next prompt has no history, the store keeps it", async () => {
    const ch = new Sent();
    const { runtime, store } = await startRuntime({ channels: ch, clock: systemClock });
    await runtime.inbound("a", msg("m1", "remember"));
    await waitUntil(() => ch.texts.length === 1, "reply");
    expect(await store.history("a:c1", 10)).toHaveLength(2);
    await runtime.steer("a:c1", "reset");
    expect(await store.history("a:c1", 10)).toHaveLength(0);
    expect((await store.session("a:c1"))!.messages).toHaveLength(2);
  });

  test("the listing pages by activity with a cursor and filters by adapter", async () => {
    const ch = new Sent();
    let t = Date.parse("2026-01-01T00:00:00Z");
    const clock = { ...systemClock, now: () => t };
    const { runtime, store } = await startRuntime({ channels: ch, clock });
    for (let i = 0; i < 7; i++) {
      t += 1000;
      await runtime.inbound(i % 2 ? "b" : "a", msg(`m${i}`, `hi ${i}`, `c${i}`));
    }
    await waitUntil(() => ch.texts.length === 7, "replies");
    const first = await store.listStored({ limit: 3 });
    expect(first.sessions.map((s) => s.conversation)).toEqual(["c6", "c5", "c4"]);
    const second = await store.listStored({ limit: 3, cursor: first.nextCursor! });
    expect(second.sessions.map((s) => s.conversation)).toEqual(["c3", "c2", "c1"]);
    const last = await store.listStored({ limit: 3, cursor: second.nextCursor! });
    expect(last.sessions.map((s) => s.conversation)).toEqual(["c0"]);
    expect(last.nextCursor).toBeNull();
    expect((await store.listStored({ adapter: "b" })).sessions.map((s) => s.conversation)).toEqual(["c5", "c3", "c1"]);
    expect((await store.listStored({ cursor: "garbage" })).sessions).toHaveLength(7);
  });
});

test("a channel with no platform to ask titles a session from its first message (webhook sender, chat page words)", async () => {
  const ch = new Sent();
  const { runtime, store } = await startRuntime({ channels: ch, clock: systemClock });
  await runtime.inbound("hooks", { message: { id: "1", conversation: "c", user: "alice", text: "hi", title: "alice" } });
  await runtime.inbound("hooks", { message: { id: "2", conversation: "c", user: "bob", text: "later", title: "bob" } });
  await waitUntil(() => ch.texts.length === 2, "replies");
  const listed = await store.listStored();
  expect(listed.sessions.map((s) => s.title)).toEqual(["alice"]);
});

test("a session stopped while messages are queued behind its running turn answers none of them until started", async () => {
  const ch = new Sent();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { defineProvider } = await import("../../src/core/providers/collect.ts");
  let calls = 0;
  const provider = defineProvider({
    name: "test",
    label: "held",
    model: "m",
    async *stream(req) {
      calls++;
      if (calls === 1) await gate;
      yield { type: "text", text: `echo: ${String(req.messages.at(-1)!.content)}` };
      yield { type: "finish", reason: "stop" };
    },
  });
  const { runtime } = await startRuntime({ channels: ch, clock: systemClock, provider });
  for (const [i, t] of ["one", "two", "three"].entries()) await runtime.inbound("a", msg(`q${i}`, t));
  await waitUntil(() => calls === 1, "the first turn running");
  await runtime.steer("a:c1", "stop");
  release();
  await runtime.idle();
  expect(ch.texts).toEqual(["echo: one"]);
  await runtime.steer("a:c1", "start");
  await waitUntil(() => ch.texts.length === 3, "the rest answered after start");
  expect(ch.texts).toEqual(["echo: one", "echo: two", "echo: three"]);
});

test("a new session shows in the cached listing once the store's counts change (not a page up to 35 s old)", async () => {
  const { mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { parseConfig } = await import("../../src/core/config/load.ts");
  const { Gateway } = await import("../../src/core/gateway.ts");
  const g = new Gateway({ home: mkdtempSync(join(tmpdir(), "bosun-list-")), loaded: parseConfig('[agent]\nprovider = "echo"\n', "x.toml", {}), env: {}, version: "t", control: false });
  await g.start();
  try {
    expect((await g.listSessions()).sessions).toHaveLength(0);
    await g.runtime.inbound("cli", msg("m1", "hello", "default"));
    await waitUntil(async () => (await g.listSessions()).sessions.length === 1, "the new session listed");
  } finally {
    await g.stop();
  }
});
