/**
 * The webchat adapter's side of live turns and stored history, against real WebSockets: the
 * stored conversation on every connect, a running turn's frames (typing, text as it streams, the
 * end) before the reply, and replies to a conversation nobody is looking at.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { formatWithOptions } from "node:util";
import { createConsola } from "consola";
import { createWebchatAdapter } from "../../src/core/adapters/webchat/index.ts";
import { webchatConfigSchema } from "../../src/core/adapters/webchat/kind.ts";
import type { Adapter, AdapterContext, TranscriptEntry } from "../../src/core/adapters/types.ts";
import type { WebchatAdapterConfig } from "../../src/core/adapters/webchat/kind.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { freePort } from "../helpers/bosun.ts";
import { WebchatClient } from "../helpers/webchat.ts";

const running: Adapter[] = [];
const clients: WebchatClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const a of running.splice(0)) await a.shutdown();
});

async function startWebchat(transcript?: AdapterContext["transcript"]) {
  const port = await freePort();
  const logs: string[] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (o) => logs.push(formatWithOptions({ breakLength: Infinity }, ...(o.args as unknown[]))) }] });
  const config: WebchatAdapterConfig = webchatConfigSchema.parse({ kind: "webchat", listen: `127.0.0.1:${port}` });
  const adapter = createWebchatAdapter({ name: "web", config, log, clock: systemClock, stateFile: "/nonexistent/web_state.json", transcript });
  running.push(adapter);
  await adapter.start(new AbortController().signal);
  const open = async (conversation: string, live = true) => {
    const c = await WebchatClient.open(port, conversation, { live });
    clients.push(c);
    return c;
  };
  return { adapter, port, logs, open };
}

const STORED: TranscriptEntry[] = [
  { role: "user", id: "m1", text: "hello", at: "2026-01-01T10:00:00.000Z" },
  { role: "agent", id: "m1", text: "hi there", at: "2026-01-01T10:00:01.000Z" },
  { role: "user", id: "m2", text: "and now?", at: "2026-01-01T10:01:00.000Z" },
  { role: "agent", id: "m2", text: "the provider is rate limited", at: "2026-01-01T10:01:01.000Z", error: { type: "rate_limited", retryable: true } },
];

describe("webchat live turns and history", () => {
  test("a connecting page gets the conversation's last 50 stored messages, oldest first", async () => {
    const asked: Array<[string, number]> = [];
    const many: TranscriptEntry[] = Array.from({ length: 60 }, (_, i) => ({ role: "user", id: `u${i}`, text: `message ${i}`, at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }));
    const w = await startWebchat(async (conversation, limit) => {
      asked.push([conversation, limit]);
      return conversation === "c1" ? STORED : many;
    });
    const c = await w.open("c1");
    const h = await c.waitFor((f) => f.type === "history");
    expect(h.messages).toEqual([
      { role: "user", id: "m1", text: "hello", at: "2026-01-01T10:00:00.000Z" },
      { role: "agent", id: "m1", text: "hi there", at: "2026-01-01T10:00:01.000Z" },
      { role: "user", id: "m2", text: "and now?", at: "2026-01-01T10:01:00.000Z" },
      { role: "agent", id: "m2", text: "the provider is rate limited", at: "2026-01-01T10:01:01.000Z", error: "rate_limited" },
    ]);
    // Another conversation gets its own; a store that returns more than asked is cut to the newest 50.
    const other = await w.open("c2");
    const h2 = await other.waitFor((f) => f.type === "history");
    const msgs = h2.messages as Array<{ id: string }>;
    expect(msgs.length).toBe(50);
    expect(msgs[0]!.id).toBe("u10");
    expect(msgs.at(-1)!.id).toBe("u59");
    // A client that does not ask (a script of the older protocol) gets no history frame.
    const script = await w.open("c1", false);
    script.send({ type: "ping" });
    await script.waitFor((f) => f.type === "pong");
    expect(script.frames.map((f) => f.type)).toEqual(["pong"]);
    expect(asked).toEqual([["c1", 50], ["c2", 50]]);
  });

  test("a failing store is logged and the chat works on without history", async () => {
    const w = await startWebchat(async () => {
      throw new Error("database is locked");
    });
    const c = await w.open("c1");
    c.send({ type: "ping" });
    await c.waitFor((f) => f.type === "pong");
    expect(c.frames.some((f) => f.type === "history")).toBe(false);
    expect(w.logs.some((l) => l.includes("database is locked"))).toBe(true);
    // Without a store at all, nothing is sent either.
    const plain = await startWebchat();
    const p = await plain.open("c1");
    p.send({ type: "ping" });
    await p.waitFor((f) => f.type === "pong");
    expect(p.frames.map((f) => f.type)).toEqual(["pong"]);
  });

  test("a running turn shows as typing, deltas, restart and end on every tab of its conversation, before the reply", async () => {
    const w = await startWebchat(async () => []);
    const [tab1, tab2, elsewhere] = [await w.open("c1"), await w.open("c1"), await w.open("c9")];
    for (const t of [tab1, tab2, elsewhere]) await t.waitFor((f) => f.type === "history");
    // A client of the older protocol on the same conversation gets the reply only.
    const script = await w.open("c1", false);
    const base = { conversation: "c1", replyTo: "m7" } as const;
    const progress = w.adapter.progress!.bind(w.adapter);
    progress({ ...base, phase: "started" });
    progress({ ...base, phase: "text", text: "Hel" });
    progress({ ...base, phase: "restarted" });
    progress({ ...base, phase: "text", text: "Hello" });
    progress({ ...base, phase: "text", text: ", world" });
    progress({ ...base, phase: "ended" });
    await w.adapter.send({ conversation: "c1", text: "Hello, world", replyTo: "m7" });
    for (const t of [tab1, tab2]) {
      await t.waitFor((f) => f.type === "message");
      expect(t.frames.filter((f) => f.type !== "history").map((f): Record<string, unknown> => ({ ...f, at: undefined }))).toEqual([
        { type: "typing", replyTo: "m7", at: undefined },
        { type: "delta", replyTo: "m7", text: "Hel", at: undefined },
        { type: "restart", replyTo: "m7", at: undefined },
        { type: "delta", replyTo: "m7", text: "Hello", at: undefined },
        { type: "delta", replyTo: "m7", text: ", world", at: undefined },
        { type: "typing_end", replyTo: "m7", at: undefined },
        { type: "message", role: "agent", text: "Hello, world", replyTo: "m7", at: undefined },
      ]);
    }
    await script.waitFor((f) => f.type === "message");
    expect(script.frames.map((f) => f.type)).toEqual(["message"]);
    elsewhere.send({ type: "ping" });
    await elsewhere.waitFor((f) => f.type === "pong");
    expect(elsewhere.frames.map((f) => f.type)).toEqual(["history", "pong"]);
    // Progress for a conversation nobody watches, or of a phase this build does not know, is a no-op.
    progress({ conversation: "nobody", replyTo: "x", phase: "started" });
    progress({ conversation: "c1", replyTo: "x", phase: "bogus" } as never);
  });

  test("a reply to a conversation with no browser waits in its history; an operator message there is refused", async () => {
    const w = await startWebchat(async () => STORED);
    await w.adapter.send({ conversation: "away", text: "your answer", replyTo: "m3" });
    const err = (await w.adapter.send({ conversation: "away", text: "hello from the operator" }).then(
      () => null,
      (e: unknown) => e,
    )) as { code?: string } | null;
    expect(err?.code).toBe("not_delivered");
  });
});
