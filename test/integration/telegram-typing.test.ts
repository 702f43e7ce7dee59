/**
 * Telegram's side of a running turn: "typing…" (sendChatAction) while it runs, repeated before
 * Telegram's ~5 s display runs out, stopped when it ends, bounded when the end never comes.
 * Against the local Bot API server, time driven by a fake clock.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { makeAdapter, StreamReader } from "./telegram-helpers.ts";

const CHAT = 777001;
let server: TelegramTestServer;
let clock: FakeClock;
const running: Adapter[] = [];

beforeEach(async () => {
  server = await TelegramTestServer.start();
  clock = new FakeClock();
});
afterEach(async () => {
  for (const a of running.splice(0)) await a.shutdown();
  await server.stop();
});

async function connected() {
  const h = makeAdapter(server, { clock });
  running.push(h.adapter);
  const reader = new StreamReader(await h.adapter.start(new AbortController().signal));
  return { ...h, reader };
}

const typingIn = (chatId: number, threadId?: number) => server.actions.filter((a) => a.chatId === chatId && a.threadId === threadId && a.action === "typing").length;

describe("telegram typing indicator", () => {
  test("a turn shows typing at once, again every 4.5 s while it runs, and no more once it ended", async () => {
    server.pushMessage({ chatId: CHAT, text: "hi" });
    const { adapter, reader } = await connected();
    const ev = await reader.nextMessage();
    const turn = { conversation: String(CHAT), replyTo: ev.message.id } as const;
    adapter.progress!({ ...turn, phase: "started" });
    await waitUntil(() => typingIn(CHAT) === 1, "the first typing action");
    // Streamed text changes nothing on Telegram; a second start of the same chat adds no timer.
    adapter.progress!({ ...turn, phase: "text", text: "partial" });
    await clock.advance(4_400);
    expect(typingIn(CHAT)).toBe(1);
    await clock.advance(100);
    await waitUntil(() => typingIn(CHAT) === 2, "the repeated typing action");
    await clock.advance(4_500);
    await waitUntil(() => typingIn(CHAT) === 3, "the third typing action");
    adapter.progress!({ ...turn, phase: "ended" });
    await clock.advance(30_000);
    expect(typingIn(CHAT)).toBe(3);
    expect(server.requests.filter((r) => r.method === "sendChatAction").every((r) => r.status === 200)).toBe(true);
  });

  test("in a forum topic the action names the thread; typing stops by itself after 2 minutes without an end", async () => {
    server.pushMessage({ chatId: -100123, text: "in a topic", threadId: 42 });
    const { adapter, reader } = await connected();
    const ev = await reader.nextMessage();
    adapter.progress!({ conversation: "-100123", thread: "42", replyTo: ev.message.id, phase: "started" });
    await waitUntil(() => typingIn(-100123, 42) === 1, "typing in the topic");
    // One every 4.5 s while under 2 minutes: at 0, 4.5 s, ... 117 s.
    for (let k = 1; k <= 26; k++) {
      await clock.advance(4_500);
      await waitUntil(() => typingIn(-100123, 42) === k + 1, `typing action ${k + 1}`);
    }
    // The beat at 121.5 s sends nothing and ends the indicator...
    await clock.advance(4_500);
    await clock.advance(60_000);
    expect(typingIn(-100123, 42)).toBe(27);
    // ...so the next turn there starts a fresh one, which sends at once (a live one would not).
    adapter.progress!({ conversation: "-100123", thread: "42", replyTo: "next", phase: "started" });
    await waitUntil(() => typingIn(-100123, 42) === 28, "the next turn's typing");
  });

  test("a failing action is ignored and retried on the next beat; shutdown cancels the timer", async () => {
    server.pushMessage({ chatId: CHAT, text: "hi" });
    const { adapter, reader, logs } = await connected();
    const ev = await reader.nextMessage();
    server.rateLimit(3, ["sendChatAction"]);
    adapter.progress!({ conversation: String(CHAT), replyTo: ev.message.id, phase: "started" });
    await waitUntil(() => server.rateLimitedResponses === 1, "the refused action");
    await waitUntil(() => logs.some((l) => l.includes("typing action not sent")), "the debug line");
    expect(typingIn(CHAT)).toBe(0);
    server.rateLimit(0);
    await clock.advance(4_500);
    await waitUntil(() => typingIn(CHAT) === 1, "the next beat's action");
    // An unknown chat is refused by Telegram too: nothing breaks.
    adapter.progress!({ conversation: "not-a-chat", replyTo: "x", phase: "started" });
    await waitUntil(() => server.requests.some((r) => r.method === "sendChatAction" && r.params.chat_id === "not-a-chat" && r.status === 400), "the refused chat");
    const before = clock.pending;
    await adapter.shutdown();
    expect(clock.pending).toBeLessThan(before);
    const n = server.actions.length;
    await clock.advance(10_000);
    expect(server.actions.length).toBe(n);
    // After shutdown, progress is a no-op.
    adapter.progress!({ conversation: String(CHAT), replyTo: "y", phase: "started" });
    expect(server.requests.filter((r) => r.method === "sendChatAction").length).toBe(3);
  });
});
