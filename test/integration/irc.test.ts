import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { freePort } from "../helpers/bosun.ts";
import { Ircd, makeAdapter, RawIrcClient, StreamCollector } from "../helpers/ircd.ts";
import { waitUntil } from "../helpers/wait.ts";

let ircd: Ircd;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  ircd = await Ircd.start();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
afterAll(async () => {
  await ircd.dispose();
});

function ircTable(port: number, extra: Record<string, unknown> = {}) {
  return { kind: "irc", server: `127.0.0.1:${port}`, nick: "bosunbot", channels: ["#test"], ...extra };
}

async function client(nick: string, channel?: string, server = ircd): Promise<RawIrcClient> {
  const c = await RawIrcClient.connect(server.port, nick);
  cleanups.push(() => c.close());
  if (channel) await c.join(channel);
  return c;
}

async function adapterFor(table: Record<string, unknown>, name = "irc-test") {
  const h = await makeAdapter(table, name);
  cleanups.push(() => h.adapter.shutdown());
  return h;
}

async function started(adapter: Adapter): Promise<StreamCollector> {
  return new StreamCollector(await adapter.start(new AbortController().signal));
}

/** Read the adapter's PRIVMSG lines to `target` from `c` until `done` says the text is complete. */
async function collectLines(c: RawIrcClient, nick: string, target: string, done: (texts: string[]) => boolean): Promise<string[]> {
  const lines: string[] = [];
  const texts: string[] = [];
  const re = new RegExp(`^:${nick}!\\S+ PRIVMSG ${target} :`);
  while (!done(texts)) {
    const line = await c.waitFor(re);
    lines.push(line);
    texts.push(line.replace(re, ""));
  }
  return lines;
}

describe("irc adapter against ngircd", () => {
  test("registers, hears lines addressed to it in a channel, and answers there", async () => {
    const alice = await client("alice", "#test");
    const { adapter } = await adapterFor(ircTable(ircd.port));
    expect(adapter.lastEventAt).toBe(0);
    const stream = await started(adapter);
    expect(adapter.lastEventAt).toBeGreaterThan(0);
    await alice.waitFor(/^:bosunbot!\S+ JOIN :?#test$/);

    alice.say("#test", "hello everyone");
    alice.say("#test", "bosunbot: hello");
    const m = await stream.nextMessage();
    expect(m).toMatchObject({ conversation: "#test", user: "alice", text: "hello" });
    expect(m.id.length).toBeGreaterThan(0);

    alice.say("#Test", "BosunBot, second one");
    const m2 = await stream.nextMessage();
    expect(m2).toMatchObject({ conversation: "#test", user: "alice", text: "second one" });
    expect(m2.id).not.toBe(m.id);
    // "hello everyone" was relayed first and never became a message.
    expect(stream.messages).toHaveLength(2);
    expect(stream.events.some((e) => e.type === "activity")).toBe(true);

    await adapter.send({ conversation: "#test", text: "hi alice" });
    await alice.waitFor(/^:bosunbot!\S+ PRIVMSG #test :hi alice$/);
  });

  test("a private message is its own conversation, answered privately", async () => {
    const alice = await client("alice");
    const { adapter } = await adapterFor(ircTable(ircd.port, { channels: [] }));
    const stream = await started(adapter);
    alice.say("bosunbot", "a private question");
    const m = await stream.nextMessage();
    expect(m).toMatchObject({ conversation: "alice", user: "alice", text: "a private question" });
    await adapter.send({ conversation: m.conversation, text: "a private answer" });
    await alice.waitFor(/^:bosunbot!\S+ PRIVMSG alice :a private answer$/);
  });

  test("long messages arrive split into lines of at most 512 bytes, complete and in order", async () => {
    const alice = await client("alice", "#test");
    const { adapter } = await adapterFor(ircTable(ircd.port, { send_interval_ms: 10 }));
    await started(adapter);
    await alice.waitFor(/^:bosunbot!\S+ JOIN :?#test$/);

    const solid = "é€𝄞ü漢".repeat(150); // 2,100 bytes, no spaces: cut between characters
    expect(Buffer.byteLength(solid)).toBeGreaterThanOrEqual(2_000);
    await adapter.send({ conversation: "#test", text: solid });
    const lines = await collectLines(alice, "bosunbot", "#test", (t) => t.join("").length >= solid.length);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const l of lines) expect(Buffer.byteLength(`${l}\r\n`)).toBeLessThanOrEqual(512);
    expect(lines.map((l) => l.replace(/^:\S+ PRIVMSG #test :/, "")).join("")).toBe(solid);

    const words = "héllo wörld — ünïcødé 𝄞 漢字 ".repeat(60).trim(); // cut at spaces
    await adapter.send({ conversation: "#test", text: words });
    const wl = await collectLines(alice, "bosunbot", "#test", (t) => t.join(" ").length >= words.length);
    for (const l of wl) expect(Buffer.byteLength(`${l}\r\n`)).toBeLessThanOrEqual(512);
    expect(wl.map((l) => l.replace(/^:\S+ PRIVMSG #test :/, "")).join(" ")).toBe(words);
  });

  test("nick collision: registers with nick_, then random digits, and logs it", async () => {
    await client("bosunbot");
    const alice = await client("alice", "#coll");
    const { adapter, logs } = await adapterFor(ircTable(ircd.port, { channels: ["#coll"] }));
    const stream = await started(adapter);
    await alice.waitFor(/^:bosunbot_!\S+ JOIN :?#coll$/);
    expect(logs.join("\n")).toMatch(/nickname bosunbot is in use; trying bosunbot_/);
    alice.say("#coll", "bosunbot: not you");
    alice.say("#coll", "bosunbot_: you");
    expect(await stream.nextMessage()).toMatchObject({ conversation: "#coll", text: "you" });

    await client("crowded");
    await client("crowded_");
    await client("crowded__");
    const other = await adapterFor(ircTable(ircd.port, { nick: "crowded", channels: ["#coll"] }), "crowded");
    await started(other.adapter);
    await alice.waitFor(/^:crowded\d{4}!\S+ JOIN :?#coll$/);
  });

  test("flood control: 20 lines with burst 3 and one line per 50 ms take at least 17 intervals", async () => {
    const alice = await client("alice", "#flood");
    const { adapter } = await adapterFor(ircTable(ircd.port, { nick: "floodbot", channels: ["#flood"], send_burst: 3, send_interval_ms: 50 }));
    await started(adapter);
    await alice.waitFor(/^:floodbot!\S+ JOIN :?#flood$/);
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const t0 = performance.now();
    await adapter.send({ conversation: "#flood", text: lines.join("\n") });
    const sendMs = performance.now() - t0;
    // The cursor only moves forward, so each wait also proves the order.
    for (const l of lines) await alice.waitFor(new RegExp(`^:floodbot!\\S+ PRIVMSG #flood :${l}$`));
    expect(sendMs).toBeGreaterThanOrEqual(17 * 50 - 5);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  test("probe: true while the server answers; false, then the stream ends, when it goes silent", async () => {
    const { adapter } = await adapterFor(ircTable(ircd.port, { nick: "probebot", channels: [], ping_interval_ms: 400 }));
    const stream = await started(adapter);
    expect(await adapter.probe()).toBe(true);
    ircd.pause();
    try {
      const t0 = performance.now();
      expect(await adapter.probe()).toBe(false);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(350);
      const err = await stream.endedWithin(3_000);
      expect(err?.message).toMatch(/no PONG from server/);
    } finally {
      ircd.resume();
    }
    expect(await adapter.probe()).toBe(false);
  });

  test("shutdown sends QUIT, closes the connection and ends the stream cleanly; twice is safe", async () => {
    const alice = await client("alice", "#test");
    const base = ircd.connections();
    const { adapter } = await adapterFor(ircTable(ircd.port, { nick: "quitbot" }));
    const stream = await started(adapter);
    await alice.waitFor(/^:quitbot!\S+ JOIN :?#test$/);
    expect(ircd.connections()).toBe(base + 1);
    await adapter.shutdown();
    expect(await stream.endedWithin(1_000)).toBeNull();
    await alice.waitFor(/^:quitbot!\S+ QUIT /);
    await waitUntil(() => ircd.connections() === base, "the server to drop the connection");
    await adapter.shutdown();
    await expect(adapter.send({ conversation: "#test", text: "late" })).rejects.toThrow(/not connected/);
  });

  test("start fails clearly: closed port, SASL the server lacks, aborted signal", async () => {
    const closed = await adapterFor(ircTable(await freePort()));
    await expect(closed.adapter.start(new AbortController().signal)).rejects.toThrow(/connection refused/);

    const sasl = await adapterFor(ircTable(ircd.port, { nick: "saslbot", sasl_username: "acct", sasl_password: "sasl-secret-pw" }));
    const err = await sasl.adapter.start(new AbortController().signal).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/does not offer SASL/);
    expect((err as Error).message).not.toContain("sasl-secret-pw");
    expect(sasl.logs.join("\n")).not.toContain("sasl-secret-pw");

    const aborted = await adapterFor(ircTable(ircd.port, { nick: "abortbot" }));
    const ac = new AbortController();
    const p = aborted.adapter.start(ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow(/aborted/);
  });
});

describe("irc adapter over TLS (ngircd with a self-signed certificate)", () => {
  test("tls_verify = true refuses the certificate with a hint; tls_verify = false connects", async () => {
    const own = await Ircd.start({ tls: true });
    cleanups.push(() => own.dispose());
    const strict = await adapterFor(ircTable(own.tlsPort!, { tls: true, channels: [] }));
    await expect(strict.adapter.start(new AbortController().signal)).rejects.toThrow(/TLS certificate of 127\.0\.0\.1 was rejected .*tls_verify = false/);

    const alice = await client("alice", "#tls", own);
    const lax = await adapterFor(ircTable(own.tlsPort!, { tls: true, tls_verify: false, nick: "tlsbot", channels: ["#tls"] }));
    const stream = await started(lax.adapter);
    await alice.waitFor(/^:tlsbot!\S+ JOIN :?#tls$/);
    alice.say("#tls", "tlsbot: over tls");
    expect(await stream.nextMessage()).toMatchObject({ conversation: "#tls", text: "over tls" });
    await lax.adapter.send({ conversation: "#tls", text: "encrypted hello" });
    await alice.waitFor(/^:tlsbot!\S+ PRIVMSG #tls :encrypted hello$/);
    expect(await lax.adapter.probe()).toBe(true);
  });
});

describe("irc adapter when the server dies", () => {
  test("server killed: the stream ends promptly with an error; probe and send fail", async () => {
    const own = await Ircd.start();
    cleanups.push(() => own.dispose());
    const { adapter } = await adapterFor(ircTable(own.port, { channels: [] }));
    const stream = await started(adapter);
    expect(own.connections()).toBe(1);
    const t0 = performance.now();
    await own.stop("SIGKILL");
    const err = await stream.endedWithin(2_000);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/closed the connection|reset/);
    expect(await adapter.probe()).toBe(false);
    await expect(adapter.send({ conversation: "#test", text: "x" })).rejects.toThrow(/not connected/);
  });

  test("server shut down gracefully: the stream ends with the server's ERROR reason", async () => {
    const own = await Ircd.start();
    cleanups.push(() => own.dispose());
    const { adapter } = await adapterFor(ircTable(own.port, { channels: [] }));
    const stream = await started(adapter);
    await own.stop("SIGTERM");
    const err = await stream.endedWithin(2_000);
    expect(err?.message).toMatch(/server closed the connection: .*going down/i);
  });
});
