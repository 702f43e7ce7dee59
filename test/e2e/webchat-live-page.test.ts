/**
 * The chat page's view of live turns and stored history, in real Chromium against the webchat
 * adapter alone (the test plays the gateway: it acks messages, drives a turn's progress and sends
 * the reply): history on load, a typing bubble that streams and gives way to the reply, a restart
 * that clears it, and a reconnect that re-renders from the store without duplicates.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { createConsola } from "consola";
import { chromium, type Browser, type Page } from "playwright-core";
import { createWebchatAdapter } from "../../src/core/adapters/webchat/index.ts";
import { webchatConfigSchema } from "../../src/core/adapters/webchat/kind.ts";
import type { Adapter, AdapterEvent, TranscriptEntry } from "../../src/core/adapters/types.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { freePort } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";

const CHROMIUM = "/usr/bin/chromium";
const runIt = existsSync(CHROMIUM) || process.env.CI === "true";
if (!runIt) console.warn(`test/e2e/webchat-live-page.test.ts skipped: no Chromium at ${CHROMIUM}`);
const WAIT = { timeout: 10_000 };

type MessageEvent = Extract<AdapterEvent, { type: "message" }>;

(runIt ? describe : describe.skip)("chat page: live turns and history in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let port: number;
  let adapter: Adapter;
  /** What the "store" holds per conversation; the test appends as the conversation goes. */
  let stored: TranscriptEntry[] = [];
  const inbound: MessageEvent[] = [];

  async function startAdapter() {
    const config = webchatConfigSchema.parse({ kind: "webchat", listen: `127.0.0.1:${port}` });
    const log = createConsola({ level: 0 });
    adapter = createWebchatAdapter({ name: "web", config, log, clock: systemClock, stateFile: "/nonexistent", transcript: async () => stored });
    const stream = await adapter.start(new AbortController().signal);
    void (async () => {
      for await (const ev of stream) if (ev.type === "message") inbound.push(ev);
    })();
  }
  const agentTexts = () => page.locator(".msg.agent:not(.live) .text").allTextContents();
  const userTexts = () => page.locator(".msg.user .text").allTextContents();

  beforeAll(async () => {
    port = await freePort();
    stored = [
      { role: "user", id: "old1", text: "what was said before", at: "2026-01-01T10:00:00.000Z" },
      { role: "agent", id: "old1", text: "the stored answer", at: "2026-01-01T10:00:01.000Z" },
      { role: "user", id: "old2", text: "a failed one", at: "2026-01-01T10:01:00.000Z" },
      { role: "agent", id: "old2", text: "The provider is rate limited", at: "2026-01-01T10:01:01.000Z", error: { type: "rate_limited", retryable: true } },
    ];
    await startAdapter();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT.timeout);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator("#state", { hasText: /^connected$/ }).waitFor(WAIT);
  });
  afterAll(async () => {
    await browser?.close();
    await adapter?.shutdown();
  });

  test("the stored conversation shows on load, in order, a failed turn marked", async () => {
    await page.locator(".msg.agent .text", { hasText: "the stored answer" }).waitFor();
    expect(await userTexts()).toEqual(["what was said before", "a failed one"]);
    expect(await agentTexts()).toEqual(["the stored answer", "The provider is rate limited"]);
    expect(await page.locator(".msg.agent.failed").count()).toBe(1);
  });

  test("a running turn shows typing, then its text as it streams; a restart clears it; the reply takes its place", async () => {
    await page.locator("#t").fill("stream please");
    await page.locator("#t").press("Enter");
    const ev = await waitUntil(() => inbound.find((e) => e.message.text === "stream please"), "the message at the adapter");
    const id = ev.message.id;
    await ev.accepted!();
    stored.push({ role: "user", id, text: "stream please", at: new Date().toISOString() });
    const turn = { conversation: ev.message.conversation, replyTo: id } as const;
    const live = page.locator(".msg.agent.live");

    adapter.progress!({ ...turn, phase: "started" });
    await page.locator(".msg.agent.live.typing").waitFor();
    adapter.progress!({ ...turn, phase: "text", text: "Wrong" });
    await live.locator(".text", { hasText: /^Wrong$/ }).waitFor();
    adapter.progress!({ ...turn, phase: "restarted" });
    await page.locator(".msg.agent.live.typing").waitFor();
    expect(await live.locator(".text").textContent()).toBe("");
    adapter.progress!({ ...turn, phase: "text", text: "Hello" });
    adapter.progress!({ ...turn, phase: "text", text: ", world" });
    await live.locator(".text", { hasText: /^Hello, world$/ }).waitFor();
    expect(await live.count()).toBe(1);
    adapter.progress!({ ...turn, phase: "ended" });
    await adapter.send({ conversation: turn.conversation, text: "Hello, world!", replyTo: id });
    stored.push({ role: "agent", id, text: "Hello, world!", at: new Date().toISOString() });
    await page.locator(".msg.agent .text", { hasText: "Hello, world!" }).waitFor();
    await live.waitFor({ state: "detached" });
    expect((await agentTexts()).at(-1)).toBe("Hello, world!");
    expect((await agentTexts()).filter((t) => t.startsWith("Hello"))).toEqual(["Hello, world!"]);
    // The same reply again (a resend after a reconnect) is not shown twice.
    await adapter.send({ conversation: turn.conversation, text: "Hello, world!", replyTo: id });
    // Frames arrive in order: once a later one shows, the duplicate has been handled.
    adapter.progress!({ ...turn, replyTo: "marker", phase: "started" });
    await live.waitFor();
    expect((await agentTexts()).filter((t) => t.startsWith("Hello"))).toEqual(["Hello, world!"]);
    adapter.progress!({ ...turn, replyTo: "marker", phase: "ended" });
    await live.waitFor({ state: "detached" });
  });

  test("a turn that ends without text leaves nothing behind", async () => {
    const turn = { conversation: (await page.evaluate(() => localStorage.getItem("bosun.conversation")))!, replyTo: "silent" } as const;
    adapter.progress!({ ...turn, phase: "started" });
    await page.locator(".msg.agent.live").waitFor();
    adapter.progress!({ ...turn, phase: "ended" });
    await page.locator(".msg.agent.live").waitFor({ state: "detached" });
  });

  test("gateway away: the page says so, drops the live bubble, and on reconnect shows what was answered meanwhile, once", async () => {
    const conversation = (await page.evaluate(() => localStorage.getItem("bosun.conversation")))!;
    adapter.progress!({ conversation, replyTo: "during", phase: "started" });
    adapter.progress!({ conversation, replyTo: "during", phase: "text", text: "half an answ" });
    await page.locator(".msg.agent.live .text", { hasText: "half an answ" }).waitFor();
    await adapter.shutdown();
    await page.locator("#banner", { hasText: "unreachable" }).waitFor();
    await page.locator(".msg.agent.live").waitFor({ state: "detached" });
    // Answered while the page was away (its user message came from another device).
    stored.push({ role: "user", id: "during", text: "asked elsewhere", at: new Date().toISOString() });
    stored.push({ role: "agent", id: "during", text: "half an answer, finished", at: new Date().toISOString() });
    inbound.length = 0;
    await startAdapter();
    await page.locator("#state", { hasText: /^connected$/ }).waitFor(WAIT);
    await page.locator(".msg.agent .text", { hasText: "half an answer, finished" }).waitFor();
    expect(await userTexts()).toEqual(["what was said before", "a failed one", "stream please", "asked elsewhere"]);
    expect(await agentTexts()).toEqual(["the stored answer", "The provider is rate limited", "Hello, world!", "half an answer, finished"]);
    expect(await page.locator(".msg .status").count()).toBe(0);
    // A reload renders the same conversation from the store.
    await page.reload();
    await page.locator(".msg.agent .text", { hasText: "half an answer, finished" }).waitFor();
    expect(await userTexts()).toEqual(["what was said before", "a failed one", "stream please", "asked elsewhere"]);
    expect(await agentTexts()).toEqual(["the stored answer", "The provider is rate limited", "Hello, world!", "half an answer, finished"]);
  });
});
