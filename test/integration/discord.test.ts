import { RetryLaterError } from "../../src/core/messages.ts";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatWithOptions } from "node:util";
import { createConsola } from "consola";
import { createDiscordAdapter } from "../../src/core/adapters/discord/index.ts";
import { discord, discordConfigSchema } from "../../src/core/adapters/discord/kind.ts";
import { TerminalError } from "../../src/core/adapters/errors.ts";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { parseConfig } from "../../src/core/config/load.ts";
import type { BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import type { AdapterStatus } from "../../src/core/status.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { BOT_ID, DiscordTestServer } from "../helpers/discord-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { StreamReader } from "./telegram-helpers.ts";

const GUILD = "300000000000000003";
const CHANNEL = "400000000000000004";
const DM = "500000000000000005";
const THREAD = "600000000000000006";

let server: DiscordTestServer;
const running: Adapter[] = [];
const gateways: Gateway[] = [];

beforeEach(async () => {
  server = await DiscordTestServer.start();
  server.guilds.set(GUILD, { id: GUILD, name: "Harbour" });
  // In a category: a text channel's parent_id is not a thread's parent.
  server.channels.set(CHANNEL, { id: CHANNEL, type: 0, name: "general", guild_id: GUILD, parent_id: "350000000000000035" });
  server.channels.set(THREAD, { id: THREAD, type: 11, name: "release plans", guild_id: GUILD, parent_id: CHANNEL });
  server.channels.set(DM, { id: DM, type: 1, recipients: [{ id: "700000000000000007", username: "alice", global_name: "Alice" }] });
});
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.stop();
  for (const a of running.splice(0)) await a.shutdown();
  await server.stop();
});

function makeAdapter(opts: { respond?: "mention" | "all"; token?: string; stateFile?: string } = {}) {
  const logs: string[] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (o) => logs.push(formatWithOptions({ breakLength: Infinity }, ...(o.args as unknown[]))) }] });
  const config = discordConfigSchema.parse({ kind: "discord", token: opts.token ?? server.token, api_root: server.apiRoot, respond: opts.respond ?? "mention" });
  const stateFile = opts.stateFile ?? join(mkdtempSync(join(tmpdir(), "bosun-dc-")), "dc.json");
  const adapter = createDiscordAdapter({ name: "dc", config, log, clock: systemClock, stateFile });
  running.push(adapter);
  return { adapter, logs, stateFile };
}

async function started(h: { adapter: Adapter }): Promise<StreamReader> {
  return new StreamReader(await h.adapter.start(new AbortController().signal));
}

describe("discord adapter against a local gateway and REST server", () => {
  test("identifies with the message intents; a mention in a guild channel and a DM come in, the bot's own and other bots' messages do not", async () => {
    const h = makeAdapter();
    const reader = await started(h);
    expect(server.identifies).toBe(1);
    expect(server.gatewayBotCalls).toBe(1);
    server.push({ channelId: CHANNEL, guildId: GUILD, content: "no mention here" });
    server.push({ channelId: CHANNEL, guildId: GUILD, content: "from a bot", author: { id: "800000000000000008", username: "otherbot", bot: true }, mention: true });
    const id = server.push({ channelId: CHANNEL, guildId: GUILD, content: "what time is it?", mention: true });
    const ev = await reader.nextMessage();
    expect(ev.message).toEqual({ id, conversation: CHANNEL, user: "alice", text: "what time is it?" });
    const dm = server.push({ channelId: DM, content: "hello in private" });
    expect((await reader.nextMessage()).message).toEqual({ id: dm, conversation: DM, user: "alice", text: "hello in private" });
    const reply = server.push({ channelId: CHANNEL, guildId: GUILD, content: "and a reply to you", replyToBot: "910000000000000000" });
    expect((await reader.nextMessage()).message.id).toBe(reply);
    const inThread = server.push({ channelId: THREAD, guildId: GUILD, channelType: 11, content: "in a thread", mention: true });
    expect((await reader.nextMessage()).message).toEqual({ id: inThread, conversation: CHANNEL, thread: THREAD, user: "alice", text: "in a thread" });
    // Without channel_type in the event, the channel is looked up (once) to tell a thread.
    const noType = server.push({ channelId: THREAD, guildId: GUILD, content: "still in the thread", mention: true });
    expect((await reader.nextMessage()).message).toEqual({ id: noType, conversation: CHANNEL, thread: THREAD, user: "alice", text: "still in the thread" });
    expect(await h.adapter.probe()).toBe(true);
  });

  test('respond = "all" takes guild messages without a mention', async () => {
    const reader = await started(makeAdapter({ respond: "all" }));
    const id = server.push({ channelId: CHANNEL, guildId: GUILD, content: "anyone?" });
    expect((await reader.nextMessage()).message.id).toBe(id);
  });

  test("a reply references its message, carries a nonce with enforce_nonce, pings nobody else, and a long one is split at 2000", async () => {
    const h = makeAdapter();
    await started(h);
    const long = Array.from({ length: 500 }, (_, i) => `w${i % 10}xx`).join(" ");
    expect(long.length).toBeGreaterThan(2400);
    await h.adapter.send({ conversation: CHANNEL, text: long, replyTo: "123456789012345678" });
    expect(server.sent).toHaveLength(2);
    const [a, b] = server.sent;
    expect(a!.content.length).toBeLessThanOrEqual(2000);
    expect(`${a!.content} ${b!.content}`).toBe(long);
    expect(a!.reference).toMatchObject({ message_id: "123456789012345678" });
    expect(b!.reference).toBeUndefined();
    expect(a!.enforceNonce).toBe(true);
    expect(typeof a!.nonce).toBe("string");
    expect(String(a!.nonce).length).toBeLessThanOrEqual(25);
    expect(a!.nonce).not.toBe(b!.nonce);
    expect(a!.allowedMentions).toMatchObject({ parse: [] });

    // The same reply again (an outbox retry after a crash): Discord refuses to post it twice.
    await h.adapter.send({ conversation: CHANNEL, text: long, replyTo: "123456789012345678" });
    expect(server.sent).toHaveLength(2);
    // A thread's reply goes to the thread.
    await h.adapter.send({ conversation: CHANNEL, thread: THREAD, text: "in the thread", replyTo: "123456789012345679" });
    expect(server.sent[2]!.channelId).toBe(THREAD);
  });

  test("a rate limit longer than 30 s is not waited out in the send: it goes back to the outbox with its wait", async () => {
    const h = makeAdapter();
    await started(h);
    server.rateLimitSends = 1;
    server.retryAfterS = 1e9;
    const t0 = Date.now();
    const err = await h.adapter.send({ conversation: CHANNEL, text: "later", replyTo: "123456789012345671" }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLaterError);
    expect((err as RetryLaterError).retryAfterMs).toBeGreaterThan(30_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  test("a 429 on the first send is retried after retry_after", async () => {
    const h = makeAdapter();
    await started(h);
    server.rateLimitSends = 1;
    server.retryAfterS = 0.4;
    await h.adapter.send({ conversation: CHANNEL, text: "after the limit", replyTo: "123456789012345670" });
    expect(server.rateLimited).toHaveLength(1);
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]!.at - server.rateLimited[0]!).toBeGreaterThanOrEqual(350);
  });

  test("a send to a channel that does not exist is undeliverable", async () => {
    const h = makeAdapter();
    await started(h);
    await expect(h.adapter.send({ conversation: "999999999999999999", text: "hi" })).rejects.toMatchObject({ name: "UndeliverableError" });
  });

  test("a zombie connection (no heartbeat ACK) is resumed; what was dispatched meanwhile is replayed, nothing twice", async () => {
    const h = makeAdapter();
    const reader = await started(h);
    const before = server.push({ channelId: DM, content: "before" });
    expect((await reader.nextMessage()).message.id).toBe(before);
    server.acks = false;
    const during = server.push({ channelId: DM, content: "during the silence" });
    const ev = await reader.nextMessage(10_000);
    expect(ev.message.id).toBe(during);
    expect(server.resumes).toBe(1);
    expect(server.identifies).toBe(1);
    const after = server.push({ channelId: DM, content: "after" });
    expect((await reader.nextMessage()).message.id).toBe(after);
  });

  test("op 7 resumes the session", async () => {
    const h = makeAdapter();
    const reader = await started(h);
    server.requestReconnect();
    await waitUntil(() => server.resumes === 1 && server.live, "a resume", 10_000);
    const id = server.push({ channelId: DM, content: "after op 7" });
    expect((await reader.nextMessage()).message.id).toBe(id);
    expect(server.identifies).toBe(1);
  });

  test("a gateway that is gone ends the stream (the supervisor's backoff takes over from the library's reconnect loop)", async () => {
    const reader = await started(makeAdapter());
    const port = server.port;
    await server.stop();
    const err = await reader.endError(10_000);
    expect(err.message).toContain("connection lost");
    await running[0]!.shutdown();
    // Back on the same address: the stopped adapter's library must not reconnect by itself.
    server = await DiscordTestServer.start({ port });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(server.connections).toBe(0);
  });

  test("op 9 (not resumable) identifies again", async () => {
    const reader = await started(makeAdapter());
    server.invalidateSession(false);
    await waitUntil(() => server.identifies === 2 && server.live, "a second identify", 10_000);
    const id = server.push({ channelId: DM, content: "new session" });
    expect((await reader.nextMessage()).message.id).toBe(id);
  });

  test("the next adapter object resumes the stored session, from before a message that was not accepted", async () => {
    const first = makeAdapter();
    const reader = await started(first);
    const a = server.push({ channelId: DM, content: "accepted" });
    await (await reader.nextMessage()).accepted!();
    const b = server.push({ channelId: DM, content: "not accepted" });
    expect((await reader.nextMessage()).message.id).toBe(b);
    await first.adapter.shutdown();
    const stored = JSON.parse(readFileSync(first.stateFile, "utf8")) as { sessions: Array<{ sequence: number }> };
    expect(stored.sessions).toHaveLength(1);
    const second = makeAdapter({ stateFile: first.stateFile });
    const r2 = await started(second);
    expect(server.identifies).toBe(1);
    expect(server.resumes).toBe(1);
    const replayed = await r2.nextMessage();
    expect(replayed.message.id).toBe(b);
    expect(replayed.message.id).not.toBe(a);
  });

  test("a token the REST API refuses rejects start with a TerminalError", async () => {
    const h = makeAdapter({ token: "MTAw.wrong-token.abcdefghijklmnop" });
    const err = await h.adapter.start(new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toContain("token rejected");
    expect(server.connections).toBe(0);
  });

  test("close code 4004 on IDENTIFY rejects start with a TerminalError naming it", async () => {
    server.closeOnIdentify = 4004;
    const h = makeAdapter();
    const err = await h.adapter.start(new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toContain("4004");
    expect(server.identifies).toBe(1);
  });

  test("close code 4014 later on ends the stream with a TerminalError", async () => {
    const reader = await started(makeAdapter());
    server.closeGateway(4014, "Disallowed intent(s).");
    const err = await reader.endError();
    expect(err).toBeInstanceOf(TerminalError);
    expect(err.message).toContain("disallowed intents");
  });

  test("describe names the guild and channel, the thread, and a DM's person", async () => {
    const h = makeAdapter();
    await started(h);
    const signal = AbortSignal.timeout(5_000);
    expect(await h.adapter.describe!(CHANNEL, undefined, signal)).toEqual({ title: "Harbour #general" });
    expect(await h.adapter.describe!(CHANNEL, THREAD, signal)).toEqual({ title: "Harbour #general › release plans" });
    expect(await h.adapter.describe!(DM, undefined, signal)).toEqual({ title: "Alice" });
  });
});

describe("discord doctor check", () => {
  const check = async (token = server.token) => {
    const config = discordConfigSchema.parse({ kind: "discord", token, api_root: server.apiRoot });
    const run = await discord.checkFor(config);
    return run!(AbortSignal.timeout(5_000));
  };
  test("a good token with the Message Content intent is ok", async () => {
    expect(await check()).toEqual({ outcome: "ok", detail: "token accepted (bot @bosun), Message Content intent enabled" });
  });
  test("the intent not enabled fails with where to enable it", async () => {
    server.applicationFlags = 0;
    const r = await check();
    expect(r.outcome).toBe("fail");
    expect(r.detail).toContain("Message Content intent is not enabled");
    expect(r.hint).toContain("Privileged Gateway Intents");
  });
  test("a refused token fails, and the token is not in the answer", async () => {
    const r = await check("MTAw.wrong-token.abcdefghijklmnop");
    expect(r.outcome).toBe("fail");
    expect(r.detail).toContain("token refused");
    expect(JSON.stringify(r)).not.toContain("wrong-token");
  });
});

function gatewayConfig(extra: string[] = []): string {
  return [
    "[agent]",
    'provider = "echo"',
    "[gateway]",
    "watch_config = false",
    "[adapters.dc]",
    'kind = "discord"',
    `token = "${server.token}"`,
    `api_root = "${server.apiRoot}"`,
    "backoff_initial_ms = 50",
    ...(extra.some((l) => l.startsWith("backoff_max_ms")) ? [] : ["backoff_max_ms = 200"]),
    ...extra,
    "",
  ].join("\n");
}

async function gateway(extra: string[] = []): Promise<{ g: Gateway; events: BosunEvent[] }> {
  const home = mkdtempSync(join(tmpdir(), "bosun-dc-gw-"));
  const g = new Gateway({ home, loaded: parseConfig(gatewayConfig(extra), "t.toml", {}), env: {}, version: "t", control: false });
  const events: BosunEvent[] = [];
  g.bus.on((e) => events.push(e));
  gateways.push(g);
  await g.start();
  return { g, events };
}

async function adapterState(events: BosunEvent[], pred: (a: AdapterStatus) => boolean, what: string): Promise<AdapterStatus> {
  let hit: AdapterStatus | undefined;
  await waitUntil(
    () => {
      for (const e of events) if (e.type === "adapter.state" && e.adapter.name === "dc" && pred(e.adapter)) hit = e.adapter;
      return hit !== undefined;
    },
    what,
    10_000,
  );
  return hit!;
}

describe("discord through the Gateway", () => {
  test("a mention is answered in its channel referencing it, a DM privately, an unmentioned guild message not at all", async () => {
    const { events } = await gateway();
    await adapterState(events, (a) => a.state === "running", "dc running");
    const quiet = server.push({ channelId: CHANNEL, guildId: GUILD, content: "just chatting" });
    const asked = server.push({ channelId: CHANNEL, guildId: GUILD, content: "ping", mention: true });
    const dm = server.push({ channelId: DM, content: "secret" });
    await waitUntil(() => server.sent.length >= 2, "two replies", 10_000);
    const inChannel = server.sent.find((m) => m.content === "echo: ping")!;
    expect(inChannel.channelId).toBe(CHANNEL);
    expect(inChannel.reference?.message_id).toBe(asked);
    const priv = server.sent.find((m) => m.content === "echo: secret")!;
    expect(priv.channelId).toBe(DM);
    expect(priv.reference?.message_id).toBe(dm);
    // A later message is answered after both: by then the quiet one was long passed over.
    server.push({ channelId: DM, content: "last" });
    await waitUntil(() => server.sent.some((m) => m.content === "echo: last"), "the last reply", 10_000);
    expect(server.sent.map((m) => m.reference?.message_id)).not.toContain(quiet);
    expect(server.sent).toHaveLength(3);
  });

  test('respond = "all" answers an unmentioned guild message', async () => {
    await gateway(['respond = "all"']);
    server.push({ channelId: CHANNEL, guildId: GUILD, content: "anyone around" });
    await waitUntil(() => server.sent.some((m) => m.content === "echo: anyone around"), "the reply", 10_000);
  });

  for (const code of [4004, 4014]) {
    test(`close code ${code} shows the adapter failed with the reason, and it does not reconnect`, async () => {
      server.closeOnIdentify = code;
      // A fatal error waits the longest backoff before the next try; the window below is shorter.
      const { g, events } = await gateway(["backoff_max_ms = 20000"]);
      const st = await adapterState(events, (a) => a.state === "failed", "dc failed");
      expect(st.lastError).toContain(String(code));
      expect(st.lastError).not.toContain(server.token);
      const connections = server.connections;
      // Many initial backoffs (50 ms) long: a fatal close retried like a passing fault would reconnect in it.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(server.connections).toBe(connections);
      expect(server.identifies).toBe(1);
      expect(g.snapshot().gateway.state).toBe("running");
    });
  }
});

void BOT_ID;
