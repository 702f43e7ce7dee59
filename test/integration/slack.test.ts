import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatWithOptions } from "node:util";
import { createConsola } from "consola";
import { TerminalError } from "../../src/core/adapters/errors.ts";
import { checkSlack } from "../../src/core/adapters/slack/check.ts";
import { createSlackAdapter } from "../../src/core/adapters/slack/index.ts";
import { slackConfigSchema } from "../../src/core/adapters/slack/kind.ts";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { UndeliverableError } from "../../src/core/messages.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { SlackTestServer } from "../helpers/slack-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { StreamReader } from "./telegram-helpers.ts";

let server: SlackTestServer;
const running: Adapter[] = [];

beforeEach(async () => {
  server = await SlackTestServer.start();
});
afterEach(async () => {
  for (const a of running.splice(0)) await a.shutdown();
  await server.stop();
});

function makeAdapter(over: { app_token?: string; bot_token?: string } = {}): { adapter: Adapter; logs: string[] } {
  const logs: string[] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (o) => logs.push(formatWithOptions({ breakLength: Infinity }, ...(o.args as unknown[]))) }] });
  const config = slackConfigSchema.parse({ kind: "slack", app_token: over.app_token ?? server.appToken, bot_token: over.bot_token ?? server.botToken, api_root: server.url });
  const stateFile = join(mkdtempSync(join(tmpdir(), "bosun-slack-")), "state.json");
  const adapter = createSlackAdapter({ name: "work", config, log, clock: systemClock, stateFile });
  running.push(adapter);
  return { adapter, logs };
}

async function started(): Promise<{ adapter: Adapter; reader: StreamReader; logs: string[] }> {
  const { adapter, logs } = makeAdapter();
  const reader = new StreamReader(await adapter.start(new AbortController().signal));
  return { adapter, reader, logs };
}

const allAcked = () => server.envelopes.every((e) => e.ackedAt !== undefined);

describe("slack adapter against a local Web API + Socket Mode server", () => {
  test("connects with the app token, a mention streams in as a threaded message with our mention stripped, acked within 1 s", async () => {
    const { adapter, reader } = await started();
    expect(server.requests.map((r) => r.method)).toEqual(["auth.test", "apps.connections.open"]);
    expect(server.requests[0]!.token).toBe(server.botToken);
    expect(server.requests[1]!.token).toBe(server.appToken);
    expect(server.requests[1]!.body).toEqual({});
    const { ts } = server.pushEvent({ text: `<@${server.botUserId}> what is up?` });
    const ev = await reader.nextMessage();
    expect(ev.message).toEqual({ id: `C0GENERAL:${ts}`, conversation: "C0GENERAL", thread: ts, user: "U0HUMAN", text: "what is up?" });
    await waitUntil(allAcked, "the envelope acked", 2_000);
    const env = server.envelopes[0]!;
    expect(env.ackedAt! - env.sentAt).toBeLessThan(1_000);
    expect(adapter.lastEventAt).toBeGreaterThan(0);
    expect(await adapter.probe()).toBe(true);
    expect(await adapter.describe!("C0GENERAL", ts, AbortSignal.timeout(5_000))).toEqual({ title: "#general" });
  });

  test("a reply in a thread stays in it; a direct message is answered outside a thread", async () => {
    const { reader } = await started();
    server.pushEvent({ type: "message", text: "in thread", thread_ts: "1700000000.000001" });
    expect((await reader.nextMessage()).message.thread).toBe("1700000000.000001");
    server.pushEvent({ type: "message", channel: "D0DM", text: "private" });
    const dm = await reader.nextMessage();
    expect(dm.message.conversation).toBe("D0DM");
    expect(dm.message.thread).toBeUndefined();
  });

  test("every envelope is acked within 1 s; a redelivered event_id and the message twin of a mention reach the gateway once", async () => {
    const { reader } = await started();
    const first = server.pushEvent({ text: "once" });
    server.pushEvent({ text: "once", eventId: first.eventId, ts: first.ts });
    // Slack sends a mention also as a `message` event with its own event_id but the same ts.
    server.pushEvent({ type: "message", text: "once", ts: first.ts });
    server.pushEvent({ text: "next" });
    expect((await reader.nextMessage()).message.text).toBe("once");
    expect((await reader.nextMessage()).message.text).toBe("next");
    await waitUntil(() => server.envelopes.length === 4 && allAcked(), "four envelopes acked", 2_000);
    for (const e of server.envelopes) expect(e.ackedAt! - e.sentAt).toBeLessThan(1_000);
    expect(server.strayAcks).toEqual([]);
  });

  test("subtypes, bot messages and our own messages are acked and ignored", async () => {
    const { reader } = await started();
    server.pushEvent({ type: "message", subtype: "message_changed", text: "edited" });
    server.pushEvent({ type: "message", subtype: "channel_join", text: "joined" });
    server.pushEvent({ type: "message", bot_id: "B0OTHER", text: "another bot" });
    server.pushEvent({ type: "message", user: server.botUserId, text: "my own" });
    server.pushEvent({ text: "real one" });
    expect((await reader.nextMessage()).message.text).toBe("real one");
    await waitUntil(() => server.envelopes.length === 5 && allAcked(), "all acked", 2_000);
  });

  test("hostile frames (not JSON, no event, odd types) do not end the stream", async () => {
    const { reader } = await started();
    const ws = server.openConns[0]!.ws;
    ws.send("not json");
    ws.send("[1,2]");
    ws.send(JSON.stringify({ envelope_id: "x1", type: "slash_commands", payload: { command: "/x" } }));
    ws.send(JSON.stringify({ envelope_id: "x2", type: "events_api", payload: { type: "event_callback", event: { type: "message", user: 5, text: {} } } }));
    server.pushEvent({ text: "still here" });
    expect((await reader.nextMessage()).message.text).toBe("still here");
  });

  for (const reason of ["refresh_requested", "warning"] as const) {
    test(`disconnect (${reason}): the next connection opens before the old one closes, no event is lost or doubled`, async () => {
      const { reader } = await started();
      const old = server.disconnect(reason)!;
      // Sent on the old socket after the notice, while the new connection is coming up.
      server.pushEvent({ text: "around the refresh" });
      await waitUntil(() => server.conns.length === 2 && old.closed, "a second connection and the old one closed", 5_000);
      expect(old.closedBy).toBe("client");
      expect(server.conns[1]!.openedAt).toBeLessThan(old.closedAt!);
      expect(server.connectionsOpened).toBe(2);
      server.pushEvent({ text: "after the refresh" });
      expect((await reader.nextMessage()).message.text).toBe("around the refresh");
      expect((await reader.nextMessage()).message.text).toBe("after the refresh");
      await waitUntil(allAcked, "all acked", 2_000);
      expect(server.envelopes.map((e) => e.retryAttempt)).toEqual([0, 0]);
      expect(server.strayAcks).toEqual([]);
    });
  }

  test("link_disabled ends the stream with a terminal error", async () => {
    const { reader } = await started();
    server.disconnect("link_disabled");
    const err = await reader.endError();
    expect(err).toBeInstanceOf(TerminalError);
    expect(err.message).toContain("link_disabled");
  });

  test("an app token revoked before a refresh ends the stream with a terminal error at once", async () => {
    const { reader } = await started();
    server.rejectAppToken = "token_revoked";
    server.disconnect("refresh_requested");
    const err = await reader.endError(5_000);
    expect(err).toBeInstanceOf(TerminalError);
    expect(err.message).toBe("app_token rejected by apps.connections.open: token_revoked");
  });

  test("a dropped connection ends the stream (the supervisor reconnects) and the probe says dead", async () => {
    const { adapter, reader } = await started();
    server.drop();
    const err = await reader.endError();
    expect(err).not.toBeInstanceOf(TerminalError);
    expect(await adapter.probe()).toBe(false);
  });

  test("refused tokens are terminal: invalid_auth on auth.test, the wrong token type on apps.connections.open", async () => {
    server.rejectBotToken = "invalid_auth";
    const a = makeAdapter().adapter;
    const e1 = await a.start(new AbortController().signal).catch((e: Error) => e);
    expect(e1).toBeInstanceOf(TerminalError);
    expect((e1 as Error).message).toBe("bot_token rejected by auth.test: invalid_auth");
    server.rejectBotToken = null;
    const b = makeAdapter({ app_token: "xapp-1-A0TEST-1-wrongwrongwrong" }).adapter;
    const e2 = await b.start(new AbortController().signal).catch((e: Error) => e);
    expect(e2).toBeInstanceOf(TerminalError);
    expect((e2 as Error).message).toBe("app_token rejected by apps.connections.open: invalid_auth");
    expect(String(e2)).not.toContain("wrongwrong");
  });

  test("send: into the thread, 429 waits Retry-After then succeeds, a 6,000-character reply is split on a line", async () => {
    const { adapter } = await started();
    server.rateLimitNextPost(1);
    const t0 = Date.now();
    await adapter.send({ conversation: "C0GENERAL", thread: "1700000001.000001", text: "hello there" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(server.requests.filter((r) => r.method === "chat.postMessage").map((r) => r.status)).toEqual([429, 200]);
    expect(server.posted).toEqual([expect.objectContaining({ channel: "C0GENERAL", thread_ts: "1700000001.000001", text: "hello there" })]);

    const long = `${"a".repeat(3_000)}\n${"b ".repeat(1_500)}`;
    await adapter.send({ conversation: "C0GENERAL", thread: "1700000001.000001", text: long });
    const parts = server.posted.slice(1);
    expect(parts.length).toBe(2);
    for (const p of parts) {
      expect(p.text.length).toBeLessThanOrEqual(4_000);
      expect(p.thread_ts).toBe("1700000001.000001");
    }
    expect(parts[0]!.text).toBe("a".repeat(3_000));
    expect(parts.map((p) => p.text).join("\n").replace(/\s+/g, "")).toBe(long.replace(/\s+/g, ""));
  });

  test("send: ok:false errors are classified (channel_not_found is undeliverable, internal_error retryable)", async () => {
    const { adapter } = await started();
    server.failNextPost("channel_not_found");
    const e1 = await adapter.send({ conversation: "C0GENERAL", text: "x" }).catch((e: Error) => e);
    expect(e1).toBeInstanceOf(UndeliverableError);
    expect((e1 as Error).message).toContain("channel_not_found");
    server.failNextPost("internal_error");
    const e2 = await adapter.send({ conversation: "C0GENERAL", text: "x" }).catch((e: Error) => e);
    expect(e2).toBeInstanceOf(Error);
    expect(e2).not.toBeInstanceOf(UndeliverableError);
    expect(server.posted).toEqual([]);
  });

  test("doctor's check: both tokens accepted, or which one is refused and why", async () => {
    const cfg = (o: Record<string, string> = {}) => slackConfigSchema.parse({ kind: "slack", app_token: server.appToken, bot_token: server.botToken, api_root: server.url, ...o });
    const sig = () => AbortSignal.timeout(5_000);
    expect(await checkSlack(cfg(), sig())).toEqual({ outcome: "ok", detail: "bot token accepted (bosun in Test Team), app token opens Socket Mode" });
    expect(await checkSlack(cfg({ bot_token: "xoxb-1-2-notthisone" }), sig())).toMatchObject({ outcome: "fail", detail: "bot_token refused: invalid_auth" });
    expect(await checkSlack(cfg({ app_token: "xapp-1-A0TEST-1-notthisone" }), sig())).toMatchObject({ outcome: "fail", detail: "app_token refused: invalid_auth" });
    expect(await checkSlack(cfg({ api_root: "http://127.0.0.1:9/api" }), sig())).toMatchObject({ outcome: "fail", detail: expect.stringContaining("Slack not reachable") });
  });
});
