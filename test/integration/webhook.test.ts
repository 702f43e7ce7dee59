import { afterAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { connect, createServer, type AddressInfo } from "node:net";
import { formatWithOptions } from "node:util";
import { createConsola } from "consola";
import { createWebhookAdapter } from "../../src/core/adapters/webhook/index.ts";
import type { Adapter, InboundMessage, OutboundMessage } from "../../src/core/adapters/types.ts";
import { webhookConfigSchema } from "../../src/core/adapters/webhook/kind.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { freePort } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";

const SECRET = "test-secret-7f3a9c1e5b";
const OTHER_SECRET = "another-secret-0123456789";

/** Every response body, header and log line seen in this file; none may contain the secret or a signature. */
const seen: string[] = [];
const sentSignatures: string[] = [];

/** Independent of the adapter's own code: HMAC-SHA256 of the raw bytes, hex, "sha256=" prefix. */
function sign(body: string | Uint8Array, secret = SECRET): string {
  const sig = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  sentSignatures.push(sig);
  return sig;
}

/** How the test plays the gateway: echo every message, or answer nothing (the test calls send itself). */
type Role = "echo" | "silent";

interface Harness {
  adapter: Adapter;
  url: string;
  messages: InboundMessage[];
  logs: string[];
  /** Resolves once `n` messages have been received. */
  received(n: number): Promise<void>;
  /** The signal given to start(): the supervisor's way to stop. */
  abort: AbortController;
  /** Send through the adapter and record what was sent. */
  send(m: OutboundMessage): Promise<void>;
  stop(): Promise<void>;
  streamEnded: Promise<void>;
}

const harnesses: Harness[] = [];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

async function start(role: Role, overrides: Record<string, unknown> = {}, now: () => number = Date.now): Promise<Harness> {
  const port = await freePort();
  const config = webhookConfigSchema.parse({ kind: "webhook", listen: `127.0.0.1:${port}`, secret: SECRET, max_body_bytes: 1024, reply_timeout_ms: 5_000, ...overrides });
  const logs: string[] = [];
  const log = createConsola({
    level: 5,
    reporters: [{ log: (o) => logs.push(formatWithOptions({ breakLength: Infinity }, ...(o.args as unknown[]))) }],
  });
  const adapter = createWebhookAdapter({ name: "hooks", config, log, clock: { ...systemClock, now }, stateFile: "/nonexistent/hooks.json" });
  const abort = new AbortController();
  const stream = await adapter.start(abort.signal);
  const messages: InboundMessage[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const streamEnded = (async () => {
    for await (const ev of stream) {
      if (ev.type !== "message") continue;
      // As the gateway does once the message is stored.
      ev.accepted?.();
      messages.push(ev.message);
      for (const w of waiters.filter((w) => messages.length >= w.n)) w.resolve();
      // A failed delivery is the outbox's to retry; here it is logged, as the courier does.
      if (role === "echo") {
        await adapter.send({ conversation: ev.message.conversation, text: `echo: ${ev.message.text}`, replyTo: ev.message.id }).catch((err: Error) => logs.push(`delivery failed: ${err.message} (${err.name})`));
      }
    }
  })();
  const h: Harness = {
    adapter,
    url: `http://127.0.0.1:${port}`,
    messages,
    logs,
    abort,
    received: (n) => (messages.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    send: (m) => adapter.send(m),
    stop: () => adapter.shutdown(),
    streamEnded,
  };
  harnesses.push(h);
  return h;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers]));
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not every response is JSON (GET /healthz)
  }
  return { status: res.status, headers: res.headers, text, json };
}

function post(h: Harness, body: string, signature: string | null = sign(body)): Promise<Reply> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["X-Bosun-Signature"] = signature;
  return call(h.url, { method: "POST", body, headers });
}

/** Write raw bytes to the server and resolve with what it sent back until it closed (or 5 s passed). */
function rawRequest(h: Harness, text: string): Promise<string> {
  const { port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    let out = "";
    const sock = connect(Number(port), "127.0.0.1", () => sock.write(text));
    const timer = setTimeout(() => sock.destroy(), 5_000);
    sock.on("data", (d) => {
      out += d.toString();
      // One complete JSON error body is all we wait for.
      if (/\r\n\r\n\{.*\}\}$/s.test(out)) sock.destroy();
    });
    sock.on("close", () => {
      clearTimeout(timer);
      seen.push(out);
      resolve(out);
    });
    sock.on("error", reject);
  });
}

function message(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: crypto.randomUUID(), conversation: "c1", user: "alice", text: "hi", ...fields });
}

describe("webhook adapter: authentication", () => {
  test("a correctly signed request yields a message event and waits for the reply", async () => {
    const h = await start("echo");
    const r = await post(h, message({ id: "m-1", text: "hello there" }));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("application/json");
    expect(r.json).toEqual({ session: "hooks:c1", reply: "echo: hello there", error: null });
    expect(h.messages).toEqual([{ id: "m-1", conversation: "c1", user: "alice", text: "hello there", title: "alice" }]);
  });

  test("wrong secret, missing header, a signature of another body and malformed headers are 401 and reach nobody", async () => {
    const h = await start("echo");
    const body = message();
    const expected = { error: { code: "bad_signature", message: "missing or invalid X-Bosun-Signature" } };
    const cases: Array<[string, string | null]> = [
      ["wrong secret", sign(body, OTHER_SECRET)],
      ["missing header", null],
      ["signature over a different body", sign(message({ text: "something else" }))],
      ["no sha256= prefix", sign(body).slice("sha256=".length)],
      ["other algorithm", sign(body).replace("sha256=", "sha1=")],
      ["truncated hex", sign(body).slice(0, -2)],
      ["not hex", `sha256=${"z".repeat(64)}`],
      ["empty", ""],
    ];
    for (const [why, signature] of cases) {
      const r = await post(h, body, signature);
      expect({ why, status: r.status, body: r.json }).toEqual({ why, status: 401, body: expected });
    }
    expect(h.messages).toEqual([]);
    // The same body with the right signature passes, so the 401s were about the signature alone.
    expect((await post(h, body)).status).toBe(200);
  });
});

describe("webhook adapter: body size", () => {
  test("a body over max_body_bytes with an honest Content-Length is 413; exactly max_body_bytes is accepted", async () => {
    const h = await start("echo");
    const over = message({ text: "x".repeat(1100) });
    expect(new TextEncoder().encode(over).byteLength).toBeGreaterThan(1024);
    const r = await post(h, over);
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe("body_too_large");
    expect(r.json.error.message).toContain("1024");
    expect(h.messages).toEqual([]);

    const base = message({ id: "exact", text: "" });
    const exact = message({ id: "exact", text: "y".repeat(1024 - new TextEncoder().encode(base).byteLength) });
    expect(new TextEncoder().encode(exact).byteLength).toBe(1024);
    expect((await post(h, exact)).status).toBe(200);
  });

  test("a declared Content-Length over the cap is 413 before any of the body is read", async () => {
    const h = await start("echo");
    // Headers only: a server that tried to read the announced 5000 bytes would never answer.
    const head = await rawRequest(h, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Bosun-Signature: ${sign("x")}\r\nContent-Length: 5000\r\n\r\n`);
    expect(head).toStartWith("HTTP/1.1 413");
    expect(head).toContain('"body_too_large"');
    expect(h.messages).toEqual([]);
  });

  test("a chunked body with no Content-Length that streams past the cap is 413 and is not read to the end", async () => {
    const h = await start("echo");
    // An endless body: the only way to get an answer is for the server to stop reading it.
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 256;
        controller.enqueue(new TextEncoder().encode("a".repeat(256)));
      },
    });
    const r = await call(h.url, { method: "POST", body: endless, headers: { "X-Bosun-Signature": sign("whatever") }, duplex: "half" } as RequestInit);
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe("body_too_large");
    expect(pulled).toBeLessThan(1024 * 1024);
    expect(h.messages).toEqual([]);
  });

  test("a body that trickles in slower than body_timeout_ms is 408 and its connection is closed (slowloris)", async () => {
    const h = await start("echo", { body_timeout_ms: 300 });
    const { connect } = await import("node:net");
    const port = Number(new URL(h.url).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => {
        s.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nX-Bosun-Signature: ${sign("x")}\r\n\r\n{"i`);
      });
      let got = "";
      s.on("data", (d) => (got += d));
      s.on("close", () => resolve(got));
      s.on("error", reject);
    });
    expect(answer).toStartWith("HTTP/1.1 408");
    expect(answer).toContain("body_too_slow");
    expect(h.messages).toEqual([]);
    // And the next client is served as usual.
    expect((await post(h, message({ id: "after-slow", text: "hi" }))).status).toBe(200);
  });

  test("a chunked body under the cap is read whole and accepted", async () => {
    const h = await start("echo");
    const body = message({ id: "chunked", text: "streamed" });
    const bytes = new TextEncoder().encode(body);
    const chunks = [bytes.slice(0, 10), bytes.slice(10, 40), bytes.slice(40)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const c = chunks.shift();
        if (c) controller.enqueue(c);
        else controller.close();
      },
    });
    const r = await call(h.url, { method: "POST", body: stream, headers: { "X-Bosun-Signature": sign(body) }, duplex: "half" } as RequestInit);
    expect(r.status).toBe(200);
    expect(r.json.reply).toBe("echo: streamed");
  });
});

describe("webhook adapter: validation", () => {
  test("malformed JSON is 400 and the message names the problem", async () => {
    const h = await start("echo");
    const r = await post(h, '{"id": "1", "text": ');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("bad_request");
    expect(r.json.error.message).toStartWith("body is not valid JSON: ");
    expect(r.json.error.message.length).toBeGreaterThan("body is not valid JSON: ".length);
    const empty = await post(h, "");
    expect(empty.status).toBe(400);
    expect(empty.json.error.message).toContain("empty");
    const notObject = await post(h, "[1, 2]");
    expect(notObject.status).toBe(400);
    expect(notObject.json.error.message).toContain("JSON object");
    expect(h.messages).toEqual([]);
  });

  test("missing or invalid fields are 400 naming the field", async () => {
    const h = await start("echo");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ id: undefined }, '"id" must be a non-empty string (at most 200 characters)'],
      [{ id: "" }, '"id" must be a non-empty string (at most 200 characters)'],
      [{ id: 42 }, '"id" must be a non-empty string (at most 200 characters)'],
      [{ id: "i".repeat(201) }, '"id" must be a non-empty string (at most 200 characters)'],
      [{ conversation: undefined }, '"conversation" must be a non-empty string (at most 200 characters)'],
      [{ conversation: ["c"] }, '"conversation" must be a non-empty string (at most 200 characters)'],
      [{ user: "   " }, '"user" must be a non-empty string (at most 200 characters)'],
      [{ user: null }, '"user" must be a non-empty string (at most 200 characters)'],
      [{ text: undefined }, '"text" must be a non-empty string (at most 32,000 characters)'],
      [{ text: "" }, '"text" must be a non-empty string (at most 32,000 characters)'],
      [{ callback_url: "ftp://example.test/x" }, '"callback_url" must be an http:// or https:// URL'],
      [{ callback_url: "not a url" }, '"callback_url" must be an http:// or https:// URL'],
      [{ callback_url: 7 }, '"callback_url" must be an http:// or https:// URL'],
    ];
    for (const [fields, msg] of cases) {
      const r = await post(h, message(fields));
      expect({ fields, status: r.status, code: r.json.error.code }).toEqual({ fields, status: 400, code: "bad_request" });
      expect(r.json.error.message).toStartWith(msg);
    }
    // An id of exactly 200 characters is fine.
    expect((await post(h, message({ id: "i".repeat(200) }))).status).toBe(200);
    expect(h.messages).toHaveLength(1);
  });

  test("text may be 32,000 characters but not 32,001", async () => {
    const h = await start("echo", { max_body_bytes: 100_000 });
    expect((await post(h, message({ text: "t".repeat(32_000) }))).status).toBe(200);
    const r = await post(h, message({ text: "t".repeat(32_001) }));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe('"text" must be a non-empty string (at most 32,000 characters)');
  });

  test("GET / is 405 with Allow: POST; other paths 404; GET /healthz is 200 unauthenticated", async () => {
    const h = await start("echo");
    const get = await call(h.url);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(get.json.error.code).toBe("method_not_allowed");
    const put = await call(h.url, { method: "PUT", body: message() });
    expect(put.status).toBe(405);
    const other = await call(`${h.url}/other`, { method: "POST", body: message() });
    expect(other.status).toBe(404);
    expect(other.json.error.code).toBe("not_found");
    const health = await call(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.text).toBe("ok");
    expect(h.messages).toEqual([]);
  });
});

describe("webhook adapter: replies", () => {
  test("a failed turn's reply carries its error type and retryability (still HTTP 200)", async () => {
    const h = await start("silent");
    const pending = post(h, message({ id: "rl-1", conversation: "c9" }));
    await h.received(1);
    await h.send({ conversation: "c9", text: "The model is rate limited. Try again in 12 seconds.", replyTo: "rl-1", error: { type: "rate_limited", retryable: true } });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ session: "hooks:c9", reply: "The model is rate limited. Try again in 12 seconds.", error: { type: "rate_limited", retryable: true } });
  });

  test("no reply within reply_timeout_ms is 504 with a retryable timeout error; a late reply is a no-op", async () => {
    const h = await start("silent", { reply_timeout_ms: 200 });
    const t0 = performance.now();
    const r = await post(h, message({ id: "slow-1" }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(r.status).toBe(504);
    expect(r.json).toEqual({ session: "hooks:c1", reply: null, error: { type: "timeout", retryable: true } });
    expect(h.messages.map((m) => m.id)).toEqual(["slow-1"]);
    await h.send({ conversation: "c1", text: "too late", replyTo: "slow-1" });
  });

  test("two concurrent requests with the same id both get the one reply", async () => {
    const h = await start("silent");
    const body = message({ id: "dup-1", text: "once" });
    const first = post(h, body);
    const second = post(h, body);
    // The adapter yields both; de-duplicating is the gateway's job.
    await h.received(2);
    expect(h.messages.map((m) => m.id)).toEqual(["dup-1", "dup-1"]);
    await h.send({ conversation: "c1", text: "the answer", replyTo: "dup-1" });
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.json).toEqual({ session: "hooks:c1", reply: "the answer", error: null });
    expect(b.json).toEqual(a.json);
  });

  test("send needs replyTo; a reply nobody waits for is a quiet no-op", async () => {
    const h = await start("silent");
    await expect(h.send({ conversation: "c1", text: "x" })).rejects.toThrow("a webhook only answers requests");
    await h.send({ conversation: "c1", text: "x", replyTo: "never-asked" });
  });
});

/** A loopback HTTP receiver standing in for the client's callback endpoint. */
function receiver() {
  const got: Array<{ body: string; signature: string | null; path: string }> = [];
  const waiters: Array<() => void> = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      got.push({ body: await req.text(), signature: req.headers.get("x-bosun-signature"), path: new URL(req.url).pathname });
      for (const w of waiters.splice(0)) w();
      return new Response("thanks");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    got,
    next: (n: number) => (got.length >= n ? Promise.resolve() : new Promise<void>((r) => waiters.push(() => got.length >= n && r()))),
    stop: () => server.stop(true),
  };
}

describe("webhook adapter: callback_url", () => {
  test("the reply is also POSTed to callback_url with a signature over that body", async () => {
    const h = await start("echo");
    const rx = receiver();
    try {
      const r = await post(h, message({ id: "cb-1", text: "call me", callback_url: `${rx.url}/hook/reply?token=zz-callback-token` }));
      expect(r.status).toBe(200);
      await rx.next(1);
      const [got] = rx.got;
      expect(got!.path).toBe("/hook/reply");
      expect(JSON.parse(got!.body)).toEqual(r.json);
      const expected = `sha256=${createHmac("sha256", SECRET).update(got!.body).digest("hex")}`;
      expect(got!.signature).toBe(expected);
    } finally {
      rx.stop();
    }
  });

  test("a reply that comes after the request timed out still reaches the callback", async () => {
    const h = await start("silent", { reply_timeout_ms: 200 });
    const rx = receiver();
    try {
      const r = await post(h, message({ id: "cb-late", conversation: "slow", callback_url: rx.url }));
      expect(r.status).toBe(504);
      await h.send({ conversation: "slow", text: "finally", replyTo: "cb-late" });
      await rx.next(1);
      expect(JSON.parse(rx.got[0]!.body)).toEqual({ session: "hooks:slow", reply: "finally", error: null });
    } finally {
      rx.stop();
    }
  });

  test("a failing callback fails the delivery (the outbox tries it again), named without its query string; the request still gets its answer", async () => {
    const h = await start("echo");
    const closed = await freePort();
    const r = await post(h, message({ callback_url: `http://127.0.0.1:${closed}/cb?token=zz-hidden-token` }));
    expect(r.status).toBe(200);
    const line = await waitUntil(() => h.logs.find((l) => l.includes("callback to")), () => `the failed callback in the log; have:\n${h.logs.join("\n")}`, 10_000);
    expect(line).toContain(`http://127.0.0.1:${closed}/cb`);
    expect(line).toContain("failed");
    expect(line).not.toContain("UndeliverableError"); // a receiver that is down may come back
    expect(h.logs.join("\n")).not.toContain("zz-hidden-token");
  });

  test("a callback answering 4xx is refused for good; 5xx and 429 are worth another try", async () => {
    const h = await start("silent");
    for (const [status, permanent] of [[404, true], [410, true], [500, false], [503, false], [429, false]] as const) {
      const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("no", { status }) });
      try {
        const err = await h.send({ conversation: "c", text: "x", replyTo: "r", replyUrl: `http://127.0.0.1:${server.port}/cb` }).then(() => null, (e: Error) => e);
        expect(err?.message).toContain(`answered HTTP ${status}`);
        expect(err?.name).toBe(permanent ? "UndeliverableError" : "Error");
      } finally {
        server.stop(true);
      }
    }
  });

  test("a reply made after a restart reaches the callback stored with its message", async () => {
    const h = await start("silent");
    const rx = receiver();
    try {
      await h.send({ conversation: "later", text: "after the restart", replyTo: "cb-stored", replyUrl: `${rx.url}/stored` });
      expect(rx.got[0]!.path).toBe("/stored");
      expect(JSON.parse(rx.got[0]!.body)).toEqual({ session: "hooks:later", reply: "after the restart", error: null });
    } finally {
      rx.stop();
    }
  });
});

describe("webhook adapter: lifecycle", () => {
  test("probe is true while serving; lastEventAt moves on any request, even a refused one", async () => {
    let clock = 1_000;
    const h = await start("echo", {}, () => clock);
    expect(h.adapter.lastEventAt).toBe(1_000);
    clock = 2_000;
    await call(`${h.url}/nope`);
    expect(h.adapter.lastEventAt).toBe(2_000);
    clock = 3_000;
    await post(h, message(), "sha256=bad");
    expect(h.adapter.lastEventAt).toBe(3_000);
    clock = 4_000;
    expect(await h.adapter.probe()).toBe(true);
    expect(h.adapter.lastEventAt).toBe(4_000);
  });

  test("aborting the start signal stops the adapter and ends its stream", async () => {
    const h = await start("echo");
    h.abort.abort();
    await h.streamEnded;
    expect(await h.adapter.probe()).toBe(false);
  });

  test("shutdown answers waiting requests with 503, ends the stream, closes the port; probe turns false", async () => {
    const h = await start("silent");
    const waiting = post(h, message({ id: "w-1" }));
    await h.received(1);
    await h.adapter.shutdown();
    const r = await waiting;
    expect(r.status).toBe(503);
    expect(r.json.error.code).toBe("shutting_down");
    await h.streamEnded;
    expect(await h.adapter.probe()).toBe(false);
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
    await h.adapter.shutdown(); // safe twice
  });

  test("a port another program holds makes start reject", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const config = webhookConfigSchema.parse({ kind: "webhook", listen: `127.0.0.1:${port}`, secret: SECRET });
      const adapter = createWebhookAdapter({ name: "taken", config, log: createConsola({ level: -999 }), clock: systemClock, stateFile: "/nonexistent" });
      await expect(adapter.start(new AbortController().signal)).rejects.toThrow();
      await adapter.shutdown();
    } finally {
      blocker.close();
    }
  });
});

describe("webhook adapter: secrecy", () => {
  test("the secret and the signatures never appear in a response or a log line", async () => {
    // Exercise the logging paths once more with debug logs on, then check everything seen in this file.
    const h = await start("echo");
    await post(h, message(), sign(message(), OTHER_SECRET));
    await post(h, "{not json", sign("{not json"));
    await post(h, message());
    await h.stop();
    expect(h.logs.some((l) => l.includes("refused a request"))).toBe(true);
    const everything = [...seen, ...harnesses.flatMap((x) => x.logs)];
    expect(everything.length).toBeGreaterThan(40);
    for (const s of everything) {
      expect(s).not.toContain(SECRET);
      expect(s).not.toContain(OTHER_SECRET);
      for (const sig of sentSignatures) expect(s).not.toContain(sig.slice("sha256=".length));
    }
  });
});
