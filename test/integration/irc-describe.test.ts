import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { FakeIrcServer, Ircd, makeAdapter, RawIrcClient, StreamCollector, type FakeClient } from "../helpers/ircd.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function ircAdapter(port: number, channels: string[]) {
  const h = await makeAdapter({ kind: "irc", server: `127.0.0.1:${port}`, nick: "bosunbot", channels }, "irc-titles");
  cleanups.push(() => h.adapter.shutdown());
  const stream = new StreamCollector(await h.adapter.start(new AbortController().signal));
  return { ...h, stream };
}

const signal = () => AbortSignal.timeout(3_000);

describe("IRC session titles (describe) against ngircd", () => {
  let ircd: Ircd;
  beforeAll(async () => {
    ircd = await Ircd.start();
  });
  afterAll(async () => {
    await ircd.dispose();
  });

  test("a channel is titled by its topic (formatting removed), one without a topic has none, a private chat by the nick; the connection carries on", async () => {
    const alice = await RawIrcClient.connect(ircd.port, "alice");
    cleanups.push(() => alice.close());
    await alice.join("#ops");
    await alice.join("#quiet");
    alice.send("TOPIC #ops :Deploys \x02today\x02 \x0304at noon");
    await alice.waitFor(/ TOPIC #ops :/);
    const { adapter, stream, logs } = await ircAdapter(ircd.port, ["#ops", "#quiet"]);
    await alice.waitFor(/^:bosunbot!\S+ JOIN :?#quiet/);

    const [ops, again, quiet, nick] = await Promise.all([
      adapter.describe!("#ops", undefined, signal()),
      adapter.describe!("#OPS", undefined, signal()),
      adapter.describe!("#quiet", undefined, signal()),
      adapter.describe!("alice", undefined, signal()),
    ]);
    expect(ops).toEqual({ title: "Deploys today at noon" });
    expect(again).toEqual({ title: "Deploys today at noon" });
    expect(quiet).toBeNull();
    expect(nick).toEqual({ title: "alice" });
    // A channel the bot is not in gets no title and no "cannot join" warning.
    expect(await adapter.describe!("#elsewhere", undefined, signal())).toBeNull();
    expect(logs.filter((l) => l.startsWith("warn"))).toEqual([]);

    alice.say("#ops", "bosunbot: still there?");
    expect((await stream.nextMessage()).text).toBe("still there?");
    expect(await adapter.probe()).toBe(true);
  });
});

describe("IRC describe against a server that never answers TOPIC", () => {
  test("callers of one channel share one query, the signal ends the wait, and the connection stays up", async () => {
    let nick = "";
    const server = await FakeIrcServer.start((c: FakeClient, line: string) => {
      if (line === "CAP LS 302") c.send(":fake.server CAP * LS :");
      else if (line.startsWith("NICK ")) nick = line.slice(5);
      else if (line === "CAP END" || line.startsWith("USER ")) {
        if (nick) c.send(`:fake.server 001 ${nick} :Welcome ${nick}!u@fake.host`);
      } else if (line.startsWith("PING ")) c.send(`:fake.server PONG fake.server :${line.slice(5).replace(/^:/, "")}`);
    });
    cleanups.push(() => server.close());
    const { adapter } = await ircAdapter(server.port, ["#room"]);
    const c = await server.client();
    const ac = new AbortController();
    const t0 = performance.now();
    const both = Promise.all([adapter.describe!("#room", undefined, ac.signal), adapter.describe!("#room", undefined, ac.signal)]);
    await c.log.waitFor(/^TOPIC #room$/);
    ac.abort();
    expect(await both).toEqual([null, null]);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(c.log.lines.filter((l) => l.startsWith("TOPIC")).length).toBe(1);
    expect(await adapter.probe()).toBe(true);
  });
});
