import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { TerminalError } from "../../src/core/adapters/errors.ts";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { freePort } from "../helpers/bosun.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { makeAdapter, StreamReader, type Harness } from "./telegram-helpers.ts";

const CHAT = 777001;
let server: TelegramTestServer;
const running: Adapter[] = [];

beforeEach(async () => {
  server = await TelegramTestServer.start();
});
afterEach(async () => {
  for (const a of running.splice(0)) await a.shutdown();
  await server.stop();
});

async function started(h: Harness): Promise<StreamReader> {
  running.push(h.adapter);
  return new StreamReader(await h.adapter.start(new AbortController().signal));
}

const readState = (file: string) => JSON.parse(readFileSync(file, "utf8")) as { offset: number };
const getUpdates = () => server.requests.filter((r) => r.method === "getUpdates");

describe("telegram adapter against a local Bot API server", () => {
  test("start validates the token, messages stream in, the offset moves only on accept", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    expect(server.requests[0]!.method).toBe("getMe");
    expect(h.adapter.lastEventAt).toBeGreaterThan(0);
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    const first = getUpdates()[0]!.params;
    expect(first.allowed_updates).toEqual(["message"]);
    expect(first.timeout).toBe(1);

    const { updateId, messageId } = server.pushMessage({ chatId: CHAT, text: "hello bot", from: "ada" });
    const ev = await reader.nextMessage();
    expect(ev.message).toEqual({ id: `${CHAT}:${messageId}`, conversation: String(CHAT), thread: undefined, user: "ada", text: "hello bot" });
    expect(existsSync(h.stateFile)).toBe(false);

    await ev.accepted!();
    expect(readState(h.stateFile)).toEqual({ offset: updateId + 1 });
    expect(statSync(h.stateFile).mode & 0o777).toBe(0o600);
    // The next poll confirms the update to Telegram.
    await waitUntil(() => getUpdates().some((r) => r.params.offset === updateId + 1), "a poll with the new offset", 5_000);
    await waitUntil(() => server.unconfirmed.length === 0, "the update to be confirmed", 5_000);
    expect(await h.adapter.probe()).toBe(true);
  });

  test("forum topic messages carry the thread; users without a username go by first name", async () => {
    const reader = await started(makeAdapter(server));
    server.pushMessage({ chatId: -100123, text: "in a topic", from: { first_name: "Grace", username: undefined }, threadId: 42 });
    const ev = await reader.nextMessage();
    expect(ev.message.conversation).toBe("-100123");
    expect(ev.message.thread).toBe("42");
    expect(ev.message.user).toBe("Grace");
  });

  test("no higher offset is requested until every message of the batch is accepted; the stored offset is the accepted prefix", async () => {
    // Queued before the adapter polls, so the first getUpdates returns all three in one batch.
    const a = server.pushMessage({ chatId: CHAT, text: "one" });
    const sticker = server.pushMessage({ chatId: CHAT });
    const b = server.pushMessage({ chatId: CHAT, text: "two" });
    const h = makeAdapter(server);
    const reader = await started(h);
    const e1 = await reader.nextMessage();
    const e2 = await reader.nextMessage();
    expect([e1.message.text, e2.message.text]).toEqual(["one", "two"]);

    await e2.accepted!();
    // "one" is not accepted yet: nothing may be confirmed past it.
    expect(existsSync(h.stateFile)).toBe(false);
    // Negative check over a window: a poller that didn't wait would re-poll at once (updates are queued).
    await new Promise((r) => setTimeout(r, 300));
    expect(getUpdates().length).toBe(1);

    await e1.accepted!();
    // The sticker (no text) after "one" is passed over with it.
    expect(readState(h.stateFile).offset).toBe(b.updateId + 1);
    expect(sticker.updateId).toBeGreaterThan(a.updateId);
    await waitUntil(() => getUpdates().length >= 2, "the next poll", 5_000);
    expect(getUpdates()[1]!.params.offset).toBe(b.updateId + 1);
  });

  test("a message the gateway never accepts is fetched and yielded again after one poll cycle; accepted ones are not", async () => {
    const a = server.pushMessage({ chatId: CHAT, text: "lost in the store" });
    const b = server.pushMessage({ chatId: CHAT, text: "stored fine" });
    const h = makeAdapter(server);
    const reader = await started(h);
    const e1 = await reader.nextMessage();
    const e2 = await reader.nextMessage();
    await e2.accepted!(); // e1 is never accepted: the gateway failed to store it
    const again = await reader.nextMessage(5_000);
    expect(again.message.id).toBe(e1.message.id);
    // The re-poll did not confirm "lost in the store".
    expect(getUpdates()[1]!.params.offset).toBeUndefined();
    expect(server.unconfirmed).toEqual([a.updateId, b.updateId]);
    await again.accepted!();
    expect(readState(h.stateFile).offset).toBe(b.updateId + 1);
    await waitUntil(() => server.unconfirmed.length === 0, "both updates confirmed", 5_000);
    expect(h.logs.join("\n")).toContain("not accepted by the gateway");
  });

  test("updates without text are skipped but still move the offset", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    const sticker = server.pushMessage({ chatId: CHAT });
    await waitUntil(() => existsSync(h.stateFile), "the offset past the sticker", 5_000);
    expect(readState(h.stateFile).offset).toBe(sticker.updateId + 1);
    const text = server.pushMessage({ chatId: CHAT, text: "after the sticker" });
    const ev = await reader.nextMessage();
    expect(ev.message.text).toBe("after the sticker");
    await ev.accepted!();
    expect(readState(h.stateFile).offset).toBe(text.updateId + 1);
  });

  test("offset survives a restart: an unaccepted message is delivered again, an accepted one is not", async () => {
    // One batch, so no later poll confirms "first" to the server: only the state file remembers it.
    server.pushMessage({ chatId: CHAT, text: "first" });
    server.pushMessage({ chatId: CHAT, text: "second" });
    const first = makeAdapter(server);
    const reader = await started(first);
    const e1 = await reader.nextMessage();
    const e2 = await reader.nextMessage();
    expect([e1.message.text, e2.message.text]).toEqual(["first", "second"]);
    await e1.accepted!();
    await first.adapter.shutdown(); // the gateway "crashed" before accepting "second"
    expect(server.unconfirmed).toHaveLength(2);

    const again = makeAdapter(server, { stateFile: first.stateFile });
    const reader2 = await started(again);
    const redelivered = await reader2.nextMessage();
    expect(redelivered.message.text).toBe("second");
    expect(redelivered.message.id).toBe(e2.message.id);
  });

  test("send delivers to the chat; threads and replies are passed on", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    server.pushMessage({ chatId: -100555, text: "question", threadId: 7 });
    const ev = await reader.nextMessage();
    await h.adapter.send({ conversation: ev.message.conversation, thread: ev.message.thread, text: "answer", replyTo: ev.message.id });
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]).toMatchObject({ chatId: -100555, text: "answer", threadId: 7, replyToMessageId: Number(ev.message.id.split(":")[1]) });
  });

  test("a 10,000-character reply arrives as 3 messages in order, none over 4,096", async () => {
    server.pushMessage({ chatId: CHAT, text: "make the chat known" });
    const h = makeAdapter(server);
    await started(h);
    const text = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    await h.adapter.send({ conversation: String(CHAT), text });
    expect(server.sent.map((m) => m.text.length)).toEqual([4096, 4096, 1808]);
    expect(server.sent.map((m) => m.text).join("")).toBe(text);
    expect(server.sent.every((m) => m.chatId === CHAT)).toBe(true);
  });

  test("API errors on send carry Telegram's description", async () => {
    const h = makeAdapter(server);
    await started(h);
    await expect(h.adapter.send({ conversation: "999", text: "to nowhere" })).rejects.toThrow("Telegram API sendMessage failed: Bad Request: chat not found (400)");
    await expect(h.adapter.send({ conversation: String(CHAT), text: "   " })).rejects.toThrow("cannot send an empty message");
    expect(server.sent).toHaveLength(0);
  });

  test("401 at start rejects with 'token rejected', a terminal error", async () => {
    server.rejectToken = true;
    const h = makeAdapter(server);
    const err = (await h.adapter.start(new AbortController().signal).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe("token rejected (401 Unauthorized)");
    expect(err).toBeInstanceOf(TerminalError);
  });

  test("401 while polling ends the stream with the terminal auth error", async () => {
    const reader = await started(makeAdapter(server));
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    server.rejectToken = true; // the held poll times out after 1 s; the next one is refused
    const err = (await reader.endError()) as Error & { code?: string };
    expect(err.message).toContain("token rejected");
    expect(err).toBeInstanceOf(TerminalError);
  });

  test("409: a second concurrent poller terminates ours and the stream ends with the conflict", async () => {
    const reader = await started(makeAdapter(server));
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    // Another bot instance on the same token.
    const other = fetch(`${server.url}/bot${server.token}/getUpdates`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ timeout: 1 }),
    });
    const err = await reader.endError();
    expect(err.message).toContain("another bot instance is polling this token (409 Conflict)");
    expect(server.conflicts).toBe(1);
    expect(server.maxConcurrentPollers).toBe(2);
    expect((await (await other).json()).ok).toBe(true);
  });

  test("429 on getUpdates: waits retry_after, then polls on and still delivers", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    server.rateLimit(1, ["getUpdates"]);
    server.pushMessage({ chatId: CHAT, text: "before the limit" });
    const ev = await reader.nextMessage();
    await ev.accepted!();
    await waitUntil(() => server.rateLimitedResponses === 1, "a 429", 5_000);
    await waitUntil(() => getUpdates().some((r) => r.status === 200 && r.at > getUpdates().find((x) => x.status === 429)!.at), "a poll after the 429", 5_000);
    const limited = getUpdates().find((r) => r.status === 429)!;
    const after = getUpdates().find((r) => r.at > limited.at)!;
    expect(after.at - limited.at).toBeGreaterThanOrEqual(900);
    expect(server.rateLimitedResponses).toBe(1);
    server.pushMessage({ chatId: CHAT, text: "after the limit" });
    expect((await reader.nextMessage()).message.text).toBe("after the limit");
  });

  test("429 on sendMessage: the chunk is retried after retry_after", async () => {
    server.pushMessage({ chatId: CHAT, text: "hi" });
    const h = makeAdapter(server);
    await started(h);
    server.rateLimit(1, ["sendMessage"]);
    const t0 = Date.now();
    await h.adapter.send({ conversation: String(CHAT), text: "patience" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(server.sent.map((m) => m.text)).toEqual(["patience"]);
    expect(server.rateLimitedResponses).toBe(1);
  });

  test("an unreachable API ends the stream with a network error; the probe then fails", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    await server.stop();
    const err = await reader.endError();
    expect(err.message).toMatch(/Telegram API getUpdates/);
    expect(await h.adapter.probe()).toBe(false);
    server = await TelegramTestServer.start(); // for afterEach
  });

  test("probe: a recent poll proves liveness; an old one falls back to getMe", async () => {
    let skew = 0;
    const h = makeAdapter(server, { now: () => Date.now() + skew });
    await started(h);
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    const getMes = () => server.requests.filter((r) => r.method === "getMe").length;
    expect(await h.adapter.probe()).toBe(true);
    expect(getMes()).toBe(1); // only the one at start
    skew = 60_000; // the last poll now looks a minute old (poll_timeout_s 1 + 15 s grace)
    expect(await h.adapter.probe()).toBe(true);
    expect(getMes()).toBe(2);
    server.rejectToken = true;
    expect(await h.adapter.probe()).toBe(false);
  });

  test("shutdown ends the stream cleanly and aborts the held poll", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    await h.adapter.shutdown();
    await expect(reader.nextMessage(2_000)).rejects.toThrow("the stream ended");
    await waitUntil(() => server.pollers === 0, "the poll to be dropped", 5_000);
    await h.adapter.shutdown();
  });
});

describe("the token never appears in errors or logs", () => {
  test("across auth, conflict, network and send failures", async () => {
    const token = server.token;
    const secret = token.split(":")[1]!;
    const texts: string[] = [];
    const collect = (e: unknown) => texts.push(e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e));

    // Send failure and conflict on a working token.
    const h = makeAdapter(server);
    const reader = await started(h);
    await h.adapter.send({ conversation: "31337", text: "x" }).catch(collect);
    await waitUntil(() => server.pollers === 1, "a held long poll", 5_000);
    server.conflict = true;
    void fetch(`${server.url}/bot${token}/getUpdates`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    collect(await reader.endError());

    // Auth failure.
    server.rejectToken = true;
    const bad = makeAdapter(server);
    await bad.adapter.start(new AbortController().signal).catch(collect);

    // Connection refused: fetch errors may quote the URL.
    const closed = makeAdapter(server, { apiRoot: `http://127.0.0.1:${await freePort()}` });
    await closed.adapter.start(new AbortController().signal).catch(collect);

    expect(texts).toHaveLength(4);
    const all = [...texts, ...h.logs, ...bad.logs, ...closed.logs].join("\n");
    expect(all).toContain("chat not found");
    expect(all).toContain("409");
    expect(all).toContain("token rejected");
    expect(all).not.toContain(token);
    expect(all).not.toContain(secret);
  });
});
