import { afterEach, describe, expect, test } from "bun:test";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { FakeIrcServer, makeAdapter, StreamCollector, type FakeClient } from "../helpers/ircd.ts";

// The IRC adapter keeps time only through the injected clock: flood control, keepalive PINGs and
// probe timeouts all run on a fake clock here, against a real loopback socket, with no real waiting.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** Registers on NICK/USER; answers probe PINGs, and keepalive PINGs only when `answerKeepalive`. */
async function server(opts: { answerKeepalive: boolean; answerProbes?: boolean }) {
  const s = await FakeIrcServer.start((c: FakeClient, line: string) => {
    if (line.startsWith("NICK ")) c.send(`:fake.server 001 ${line.slice(5)} :Welcome`);
    else if (line.startsWith("PING ")) {
      const token = line.slice(5).replace(/^:/, "");
      const answer = token === "bosun-keepalive" ? opts.answerKeepalive : opts.answerProbes !== false;
      if (answer) c.send(`:fake.server PONG fake.server :${token}`);
    }
  });
  cleanups.push(() => s.close());
  return s;
}

async function start(port: number, clock: FakeClock, extra: Record<string, unknown> = {}) {
  const { adapter } = await makeAdapter({ kind: "irc", server: `127.0.0.1:${port}`, nick: "bosunbot", channels: ["#room"], ...extra }, "clocked", clock);
  cleanups.push(async () => {
    // The QUIT grace is a fake-clock timer too: move time so a server that never hangs up can't hold the test.
    const done = adapter.shutdown();
    await clock.advance(1_000);
    await done;
  });
  const stream = new StreamCollector(await adapter.start(new AbortController().signal));
  return { adapter, stream };
}

/** Everything the adapter wrote before this call has reached the server (its probe PING travels behind it). */
async function barrier(adapter: Adapter): Promise<void> {
  expect(await adapter.probe!()).toBe(true);
}

const privmsgs = (c: FakeClient) => c.log.lines.filter((l) => l.startsWith("PRIVMSG #room :"));

describe("irc timing on an injected clock", () => {
  test("flood control: a burst, then one line per interval of clock time, in order", async () => {
    const clock = new FakeClock();
    const s = await server({ answerKeepalive: true });
    const { adapter } = await start(s.port, clock, { send_burst: 2, send_interval_ms: 500 });
    const c = await s.client();
    let sent = false;
    const send = adapter.send({ conversation: "#room", text: "one\ntwo\nthree\nfour\nfive" }).then(() => (sent = true));

    await barrier(adapter);
    expect(privmsgs(c)).toEqual(["PRIVMSG #room :one", "PRIVMSG #room :two"]);
    await clock.advance(499);
    await barrier(adapter);
    expect(privmsgs(c)).toHaveLength(2);
    await clock.advance(1);
    await barrier(adapter);
    expect(privmsgs(c)).toHaveLength(3);
    expect(sent).toBe(false);
    await clock.advance(1_000);
    await send;
    await barrier(adapter);
    expect(privmsgs(c).map((l) => l.slice(15))).toEqual(["one", "two", "three", "four", "five"]);
  });

  test("keepalive: PING after a quiet interval of clock time; no PONG within the next ends the connection", async () => {
    const clock = new FakeClock();
    const s = await server({ answerKeepalive: false });
    const { stream } = await start(s.port, clock, { ping_interval_ms: 120_000 });
    const c = await s.client();
    await c.log.waitFor(/^JOIN #room$/);
    expect(c.log.lines).not.toContain("PING bosun-keepalive");

    await clock.advance(120_000);
    await c.log.waitFor(/^PING bosun-keepalive$/);
    await clock.advance(120_000);
    const err = await stream.endedWithin(5_000);
    expect(err?.message).toBe("no PONG from server within 120000 ms");
  });

  test("probe: a PONG that never comes answers false once the timeout passes on the clock", async () => {
    const clock = new FakeClock();
    const s = await server({ answerKeepalive: true, answerProbes: false });
    const { adapter } = await start(s.port, clock, { ping_interval_ms: 60_000 });
    const c = await s.client();
    const seen: { answer: boolean | null } = { answer: null };
    const probe = adapter.probe!().then((ok) => (seen.answer = ok));
    await c.log.waitFor(/^PING bosun-probe-/);
    await clock.advance(4_999);
    expect(seen.answer).toBeNull();
    // The timeout fires inside advance(); its continuation has run by the time advance returns.
    await clock.advance(1);
    expect(seen.answer).toBe(false);
    await probe;
  });
});
