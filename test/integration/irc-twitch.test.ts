import { afterEach, describe, expect, test } from "bun:test";
import { TerminalError } from "../../src/core/adapters/errors.ts";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { FakeIrcServer, Ircd, makeAdapter, RawIrcClient, StreamCollector, type FakeClient } from "../helpers/ircd.ts";

const TOKEN = "abc123secrettokenxyz";
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** A server that speaks like irc.chat.twitch.tv for the parts the adapter uses. */
function twitchServer(opts: { loginFails?: boolean } = {}) {
  let nick = "";
  return (c: FakeClient, line: string) => {
    if (line.startsWith("CAP REQ ")) c.send(`:tmi.twitch.tv CAP * ACK :${line.replace(/^CAP REQ :?/, "")}`);
    else if (line.startsWith("NICK ")) {
      nick = line.slice(5);
      if (opts.loginFails) {
        c.send(":tmi.twitch.tv NOTICE * :Login authentication failed");
        c.socket.end();
        return;
      }
      c.send(`:tmi.twitch.tv 001 ${nick} :Welcome, GLHF!`);
      c.send(`:tmi.twitch.tv 376 ${nick} :>`);
      c.send(`@badge-info=;badges=;color=;display-name=${nick};emote-sets=0;user-id=1;user-type= :tmi.twitch.tv GLOBALUSERSTATE`);
    } else if (line.startsWith("JOIN ")) {
      for (const ch of line.slice(5).replace(/^:/, "").split(",")) c.send(`:${nick}!${nick}@${nick}.tmi.twitch.tv JOIN ${ch}`);
    } else if (line.startsWith("PING ")) c.send(`:tmi.twitch.tv PONG tmi.twitch.tv ${line.slice(5)}`);
  };
}

async function fakeTwitch(opts: { loginFails?: boolean } = {}) {
  const server = await FakeIrcServer.start(twitchServer(opts));
  cleanups.push(() => server.close());
  return server;
}

async function twitchAdapter(port: number, extra: Record<string, unknown> = {}) {
  const h = await makeAdapter({ kind: "twitch", server: `127.0.0.1:${port}`, tls: false, username: "BosunBot", oauth_token: TOKEN, channels: ["#MyChannel"], ...extra }, "stream");
  cleanups.push(() => h.adapter.shutdown());
  return h;
}

async function started(adapter: Adapter): Promise<StreamCollector> {
  return new StreamCollector(await adapter.start(new AbortController().signal));
}

const chat = (c: FakeClient, tags: string, user: string, text: string) => c.send(`@${tags} :${user}!${user}@${user}.tmi.twitch.tv PRIVMSG #mychannel :${text}`);

describe("twitch adapter (Twitch conventions, fake server)", () => {
  test("registers with PASS oauth:, a lower-cased NICK, CAP REQ for tags and commands, and joins lower-cased channels", async () => {
    const server = await fakeTwitch();
    const { adapter, logs } = await twitchAdapter(server.port);
    await started(adapter);
    const c = await server.client();
    await c.log.waitFor(/^JOIN #mychannel$/);
    const lines = c.log.lines;
    const at = (l: string) => lines.indexOf(l);
    expect(at("CAP REQ :twitch.tv/tags twitch.tv/commands")).toBeGreaterThanOrEqual(0);
    expect(at(`PASS oauth:${TOKEN}`)).toBeGreaterThanOrEqual(0);
    expect(at("NICK bosunbot")).toBeGreaterThan(at(`PASS oauth:${TOKEN}`));
    expect(at("CAP END")).toBeGreaterThan(at("CAP REQ :twitch.tv/tags twitch.tv/commands"));
    expect(lines.some((l) => /^CAP LS/.test(l))).toBe(false);
    expect(logs.join("\n")).not.toContain(TOKEN);
  });

  test("a token that already starts with oauth: is sent as is", async () => {
    const server = await fakeTwitch();
    const { adapter } = await twitchAdapter(server.port, { oauth_token: `oauth:${TOKEN}` });
    await started(adapter);
    const c = await server.client();
    await c.log.waitFor(new RegExp(`^PASS oauth:${TOKEN}$`));
  });

  test("tagged messages: id and display-name come from the tags; only mentions reach the agent", async () => {
    const server = await fakeTwitch();
    const { adapter } = await twitchAdapter(server.port);
    const stream = await started(adapter);
    const c = await server.client();
    await c.log.waitFor(/^JOIN #mychannel$/);
    chat(c, "id=m-0;display-name=Chatter", "chatter", "just chatting, nothing for the bot");
    chat(c, "badge-info=;id=8f0a-11;display-name=Cool\\sViewer;user-id=42", "coolviewer", "@BosunBot hello there");
    expect(await stream.nextMessage()).toEqual({ id: "8f0a-11", conversation: "#mychannel", user: "Cool Viewer", text: "hello there" });
    chat(c, "id=m-2;display-name=", "plainuser", "hey @bosunbot how are you");
    expect(await stream.nextMessage()).toEqual({ id: "m-2", conversation: "#mychannel", user: "plainuser", text: "hey @bosunbot how are you" });
    expect(stream.messages).toHaveLength(2);

    await adapter.send({ conversation: "#mychannel", text: "hi!" });
    await c.log.waitFor(/^PRIVMSG #mychannel :hi!$/);
    await adapter.send({ conversation: "#mychannel", text: "x".repeat(1_200) });
    // Both limits hold: Twitch's 500 characters and the 512-byte line as relayed with our prefix.
    const texts: string[] = [];
    while (texts.join("").length < 1_200) texts.push((await c.log.waitFor(/^PRIVMSG #mychannel :x+$/)).slice("PRIVMSG #mychannel :".length));
    expect(texts.join("")).toBe("x".repeat(1_200));
    for (const t of texts) {
      expect(t.length).toBeLessThanOrEqual(500);
      expect(Buffer.byteLength(`:bosunbot!bosunbot@bosunbot.tmi.twitch.tv PRIVMSG #mychannel :${t}\r\n`)).toBeLessThanOrEqual(512);
    }
  });

  test("trigger_prefix: only lines starting with it, prefix stripped", async () => {
    const server = await fakeTwitch();
    const { adapter } = await twitchAdapter(server.port, { trigger_prefix: "!ask" });
    const stream = await started(adapter);
    const c = await server.client();
    await c.log.waitFor(/^JOIN #mychannel$/);
    chat(c, "id=t-1", "viewer", "@bosunbot hello");
    chat(c, "id=t-2", "viewer", "what is bosun?");
    chat(c, "id=t-3", "viewer", "!ask what is bosun?");
    expect(await stream.nextMessage()).toMatchObject({ id: "t-3", user: "viewer", text: "what is bosun?" });
    expect(stream.messages).toHaveLength(1);
  });

  test("RECONNECT from the server ends the stream so the supervisor reconnects", async () => {
    const server = await fakeTwitch();
    const { adapter } = await twitchAdapter(server.port);
    const stream = await started(adapter);
    const c = await server.client();
    c.send(":tmi.twitch.tv RECONNECT");
    const err = await stream.endedWithin(2_000);
    expect(err?.message).toBe("server asked to reconnect");
  });

  test("a rejected login fails start without revealing the token", async () => {
    const server = await fakeTwitch({ loginFails: true });
    const { adapter, logs } = await twitchAdapter(server.port);
    const err = await adapter.start(new AbortController().signal).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/login failed: Login authentication failed/);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).not.toContain(TOKEN);
    expect(logs.join("\n")).not.toContain(TOKEN);
  });
});

describe("twitch adapter against a real IRC server (ngircd, tls = false)", () => {
  test("PASS is what the server expects, CAP NAK is handled, messages flow both ways", async () => {
    // ngircd refuses a PASS unless it has a matching server password: this proves the oauth: form.
    const ircd = await Ircd.start({ password: `oauth:${TOKEN}` });
    cleanups.push(() => ircd.dispose());
    const alice = await RawIrcClient.connect(ircd.port, "alice", `oauth:${TOKEN}`);
    cleanups.push(() => alice.close());
    await alice.join("#twitchtest");
    const { adapter, logs } = await twitchAdapter(ircd.port, { username: "BosunTwitch", channels: ["#TwitchTest"] });
    const stream = await started(adapter);
    await alice.waitFor(/^:bosuntwitch!\S+ JOIN :?#twitchtest$/);
    expect(logs.join("\n")).toMatch(/does not support the capabilities/);
    alice.say("#twitchtest", "@bosuntwitch hello from ngircd");
    expect(await stream.nextMessage()).toMatchObject({ conversation: "#twitchtest", user: "alice", text: "hello from ngircd" });
    await adapter.send({ conversation: "#twitchtest", text: "hello alice" });
    await alice.waitFor(/^:bosuntwitch!\S+ PRIVMSG #twitchtest :hello alice$/);
    expect(await adapter.probe()).toBe(true);

    const wrong = await twitchAdapter(ircd.port, { username: "wrongpass", oauth_token: "not-the-token" });
    const err = await wrong.adapter.start(new AbortController().signal).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/server closed the connection: .*password/i);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).not.toContain("not-the-token");
  });
});
