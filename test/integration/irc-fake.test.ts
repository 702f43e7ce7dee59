import { afterEach, describe, expect, test } from "bun:test";
import { Buffer } from "node:buffer";
import { TerminalError } from "../../src/core/adapters/errors.ts";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { FakeIrcServer, makeAdapter, StreamCollector, type FakeClient } from "../helpers/ircd.ts";
import { waitUntil } from "../helpers/wait.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

interface ScriptOptions {
  /** CAP LS reply lines (the last one without "*"). */
  ls?: string[];
  sasl?: "ok" | "fail";
  /** Answer every NICK with 433 until this many were refused. */
  refuseNicks?: number;
  /** Never answer anything. */
  silent?: boolean;
}

/** A scriptable IRCv3 server: CAP LS/REQ, SASL PLAIN, nick refusals, 001 on CAP END. */
function ircServer(opts: ScriptOptions, seen: { sasl?: string } = {}) {
  let nick = "";
  let capEnded = false;
  let refused = 0;
  const welcome = (c: FakeClient) => c.send(`:fake.server 001 ${nick} :Welcome ${nick}!u@fake.host`);
  return (c: FakeClient, line: string) => {
    if (opts.silent) return;
    if (line === "CAP LS 302") {
      const ls = opts.ls ?? ["message-tags"];
      ls.forEach((l, i) => c.send(`:fake.server CAP * LS ${i < ls.length - 1 ? "* " : ""}:${l}`));
    } else if (line.startsWith("CAP REQ ")) c.send(`:fake.server CAP * ACK :${line.replace(/^CAP REQ :?/, "")}`);
    else if (line === "AUTHENTICATE PLAIN") c.send("AUTHENTICATE +");
    else if (line.startsWith("AUTHENTICATE ")) {
      seen.sasl = Buffer.from(line.slice(13), "base64").toString("utf8");
      if (opts.sasl === "fail") c.send(":fake.server 904 * :SASL authentication failed");
      else {
        c.send(":fake.server 900 * * acct :You are now logged in as acct");
        c.send(":fake.server 903 * :SASL authentication successful");
      }
    } else if (line === "CAP END") {
      capEnded = true;
      if (nick) welcome(c);
    } else if (line.startsWith("NICK ")) {
      if (refused < (opts.refuseNicks ?? 0)) {
        refused++;
        c.send(`:fake.server 433 * ${line.slice(5)} :Nickname is already in use`);
        return;
      }
      nick = line.slice(5);
      if (capEnded) welcome(c);
    } else if (line.startsWith("PING ")) c.send(`:fake.server PONG fake.server :${line.slice(5).replace(/^:/, "")}`);
  };
}

async function fake(opts: ScriptOptions, seen: { sasl?: string } = {}) {
  const server = await FakeIrcServer.start(ircServer(opts, seen));
  cleanups.push(() => server.close());
  return server;
}

async function ircAdapter(port: number, extra: Record<string, unknown> = {}) {
  const h = await makeAdapter({ kind: "irc", server: `127.0.0.1:${port}`, nick: "bosunbot", channels: ["#room"], ...extra });
  cleanups.push(() => h.adapter.shutdown());
  return h;
}

async function started(adapter: Adapter): Promise<StreamCollector> {
  return new StreamCollector(await adapter.start(new AbortController().signal));
}

describe("irc registration details (scripted server)", () => {
  test("CAP LS 302 across lines, SASL PLAIN success, msgid becomes the message id", async () => {
    const seen: { sasl?: string } = {};
    const server = await fake({ ls: ["multi-prefix message-tags server-time", "sasl=PLAIN,EXTERNAL away-notify"], sasl: "ok" }, seen);
    const { adapter, logs } = await ircAdapter(server.port, { sasl_username: "acct", sasl_password: "s3cret-pass" });
    const stream = await started(adapter);
    const c = await server.client();
    expect(c.log.lines).toContain("CAP REQ :message-tags server-time sasl");
    expect(c.log.lines).toContain("AUTHENTICATE PLAIN");
    expect(seen.sasl).toBe("\0acct\0s3cret-pass");
    expect(c.log.lines.indexOf("CAP END")).toBeGreaterThan(c.log.lines.indexOf("AUTHENTICATE PLAIN"));
    await c.log.waitFor(/^JOIN #room$/);
    expect(logs.join("\n")).not.toContain("s3cret-pass");

    c.send("@msgid=abc-123;time=2025-01-01T00:00:00.000Z :alice!a@h PRIVMSG #room :bosunbot: tagged");
    expect(await stream.nextMessage()).toEqual({ id: "abc-123", conversation: "#room", user: "alice", text: "tagged" });
  });

  test("SASL failure rejects start with a message that names no password", async () => {
    const server = await fake({ ls: ["sasl"], sasl: "fail" });
    const { adapter, logs } = await ircAdapter(server.port, { sasl_username: "acct", sasl_password: "s3cret-pass" });
    const err = await adapter.start(new AbortController().signal).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^SASL authentication failed/);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).not.toContain("s3cret-pass");
    expect(logs.join("\n")).not.toContain("s3cret-pass");
    const c = await server.client();
    await c.log.waitFor(/never/, 1_000).catch(() => {});
    expect(c.log.closed).toBe(true);
  });

  test("PASS before NICK; NickServ IDENTIFY names the account after a nick fallback; secrets never logged", async () => {
    const server = await fake({ refuseNicks: 1 });
    const { adapter, logs } = await ircAdapter(server.port, { password: "server-pass-1", nickserv_password: "ns-pass-2" });
    await started(adapter);
    const c = await server.client();
    await c.log.waitFor(/^JOIN #room$/);
    const lines = c.log.lines;
    expect(lines.indexOf("PASS server-pass-1")).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf("PASS server-pass-1")).toBeLessThan(lines.indexOf("NICK bosunbot"));
    expect(lines).toContain("NICK bosunbot_");
    expect(lines).toContain("PRIVMSG NickServ :IDENTIFY bosunbot ns-pass-2");
    expect(lines.indexOf("PRIVMSG NickServ :IDENTIFY bosunbot ns-pass-2")).toBeLessThan(lines.indexOf("JOIN #room"));
    const all = logs.join("\n");
    expect(all).toMatch(/bosunbot is in use; trying bosunbot_/);
    expect(all).not.toContain("server-pass-1");
    expect(all).not.toContain("ns-pass-2");
  });

  test("no free nickname after every fallback is refused", async () => {
    const server = await fake({ refuseNicks: 100 });
    const { adapter } = await ircAdapter(server.port);
    await expect(adapter.start(new AbortController().signal)).rejects.toThrow(/no free nickname/);
  });

  test("server PING is answered at once; junk lines are skipped; bare traffic is reported at most once a second", async () => {
    const server = await fake({});
    const { adapter } = await ircAdapter(server.port);
    const stream = await started(adapter);
    const c = await server.client();
    c.send("PING :abc 123");
    await c.log.waitFor(/^PONG :abc 123$/);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) c.send(`:fake.server NOTICE bosunbot :notice ${i}`);
    c.send("@@@ not irc");
    c.send(":alice!a@h PRIVMSG #room :bosunbot: still alive");
    expect(await stream.nextMessage()).toMatchObject({ text: "still alive" });
    const activity = stream.events.filter((e) => e.type === "activity").length;
    expect(activity).toBeGreaterThanOrEqual(1);
    expect(activity).toBeLessThanOrEqual(2 + Math.floor((performance.now() - t0) / 1_000));
    expect(stream.messages).toHaveLength(1);
  });

  test("a secret that can't be written (CR/LF) is refused by the config, never reaching the wire", async () => {
    const server = await fake({});
    const err = await ircAdapter(server.port, { password: "pw\r\nQUIT :injected" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/must be one line/);
    expect((err as Error).message).not.toContain("injected");
  });

  test("ERROR from the server ends the stream with its reason", async () => {
    const server = await fake({});
    const { adapter } = await ircAdapter(server.port);
    const stream = await started(adapter);
    const c = await server.client();
    c.send("ERROR :Closing Link: bosunbot (Killed (oper (go away)))");
    const err = await stream.endedWithin(2_000);
    expect(err?.message).toMatch(/server closed the connection: Closing Link: bosunbot/);
  });

  test("a server that stops answering PINGs is dead: the stream ends with 'no PONG from server'", async () => {
    let mute = false;
    const script = ircServer({});
    const server = await FakeIrcServer.start((c, line) => (mute ? undefined : script(c, line)));
    cleanups.push(() => server.close());
    const { adapter } = await ircAdapter(server.port, { ping_interval_ms: 150 });
    const stream = await started(adapter);
    const c = await server.client();
    await c.log.waitFor(/^PING bosun-keepalive$/);
    mute = true;
    const t0 = performance.now();
    const err = await stream.endedWithin(2_000);
    expect(err?.message).toMatch(/no PONG from server/);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  test("a silent server fails start within the keepalive bound; abort and shutdown end a pending start", async () => {
    const server = await fake({ silent: true });
    const quiet = await ircAdapter(server.port, { ping_interval_ms: 150 });
    await expect(quiet.adapter.start(new AbortController().signal)).rejects.toThrow(/no PONG from server/);

    const aborted = await ircAdapter(server.port);
    const ac = new AbortController();
    const p = aborted.adapter.start(ac.signal).catch((e: Error) => e);
    await waitUntil(() => server.clients.length >= 2, "the second connection");
    ac.abort();
    expect(String(await p)).toMatch(/aborted/);

    const stopped = await ircAdapter(server.port);
    const p2 = stopped.adapter.start(new AbortController().signal).catch((e: Error) => e);
    await waitUntil(() => server.clients.length >= 3, "the third connection");
    await stopped.adapter.shutdown();
    expect(await p2).toBeInstanceOf(Error);
    await expect(stopped.adapter.start(new AbortController().signal)).rejects.toThrow(/shut down/);
  });

  test("send refuses conversation ids that would inject protocol", async () => {
    const server = await fake({});
    const { adapter } = await ircAdapter(server.port);
    await started(adapter);
    for (const bad of ["#a b", "#a\r\nQUIT", ":x", "a,b", ""]) {
      await expect(adapter.send({ conversation: bad, text: "x" })).rejects.toThrow(/not an IRC channel or nick/);
    }
    await adapter.send({ conversation: "#room", text: "line one\r\nQUIT :not a command" });
    const c = await server.client();
    await c.log.waitFor(/^PRIVMSG #room :line one$/);
    await c.log.waitFor(/^PRIVMSG #room :QUIT :not a command$/);
  });
});
