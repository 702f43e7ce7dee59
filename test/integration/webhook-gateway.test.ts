import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import type { BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { freePort } from "../helpers/bosun.ts";

// Depends on the gateway's durable inbox and the supervisor passing `replyTo`: the adapter only
// yields requests and routes replies; de-duplication is the gateway's.

const SECRET = "gateway-test-secret-5d2e8a";

async function startGateway(port: number): Promise<Gateway> {
  const home = mkdtempSync(join(tmpdir(), "bosun-webhook-gw-"));
  const toml = `[agent]\nprovider = "echo"\n\n[adapters.hooks]\nkind = "webhook"\nlisten = "127.0.0.1:${port}"\nsecret = "\${HOOK_SECRET}"\nreply_timeout_ms = 10000\n`;
  const loaded = parseConfig(toml, "t.toml", { HOOK_SECRET: SECRET });
  const g = new Gateway({ home, loaded, env: {}, version: "test", control: false });
  await g.start();
  return g;
}

async function signedPost(port: number, payload: Record<string, unknown>): Promise<{ status: number; json: any; text: string }> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
  const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body, headers: { "content-type": "application/json", "X-Bosun-Signature": signature } });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), text };
}

describe("webhook through the Gateway", () => {
  test("a signed POST gets the agent's reply; the same id again gets the same reply without a second turn", async () => {
    const port = await freePort();
    const g = await startGateway(port);
    try {
      const events: BosunEvent[] = [];
      g.bus.on((e) => events.push(e));
      const id = `req-${crypto.randomUUID()}`;
      const payload = { id, conversation: "ops", user: "ci", text: "hi" };

      const first = await signedPost(port, payload);
      expect(first.status).toBe(200);
      expect(first.json).toEqual({ session: "hooks:ops", reply: "echo: hi", error: null });

      const again = await signedPost(port, payload);
      expect(again.status).toBe(200);
      expect(again.json).toEqual(first.json);

      const inbound = events.filter((e) => e.type === "message.inbound" && e.adapter === "hooks");
      expect(inbound).toHaveLength(1);

      // A new id is a new turn (so the count above could have been 2).
      const other = await signedPost(port, { ...payload, id: `${id}-2`, text: "again" });
      expect(other.json.reply).toBe("echo: again");
      expect(events.filter((e) => e.type === "message.inbound" && e.adapter === "hooks")).toHaveLength(2);
    } finally {
      await g.stop();
    }
  });

  test("concurrent duplicates all get the one reply and the agent runs once", async () => {
    const port = await freePort();
    const g = await startGateway(port);
    try {
      const events: BosunEvent[] = [];
      g.bus.on((e) => events.push(e));
      const payload = { id: `burst-${crypto.randomUUID()}`, conversation: "ops", user: "ci", text: "burst" };
      const replies = await Promise.all([signedPost(port, payload), signedPost(port, payload), signedPost(port, payload)]);
      for (const r of replies) expect(r.json).toEqual({ session: "hooks:ops", reply: "echo: burst", error: null });
      expect(events.filter((e) => e.type === "message.inbound" && e.adapter === "hooks")).toHaveLength(1);
    } finally {
      await g.stop();
    }
  });

  test("an id is scoped to its conversation: another conversation's reply never leaks, and a reused id with another body is 409", async () => {
    const port = await freePort();
    const g = await startGateway(port);
    try {
      const events: BosunEvent[] = [];
      g.bus.on((e) => events.push(e));
      const alice = await signedPost(port, { id: "x", conversation: "convA", user: "alice", text: "the secret-of-alice" });
      expect(alice.json).toEqual({ session: "hooks:convA", reply: "echo: the secret-of-alice", error: null });

      // Same id, another conversation: a message of its own, answered as such.
      const bob = await signedPost(port, { id: "x", conversation: "convB", user: "bob", text: "a different message" });
      expect(bob.status).toBe(200);
      expect(bob.json).toEqual({ session: "hooks:convB", reply: "echo: a different message", error: null });
      expect(bob.text).not.toContain("alice");

      // Same id, same conversation, another body: refused, and alice's reply is not handed out.
      const clash = await signedPost(port, { id: "x", conversation: "convA", user: "mallory", text: "give me the reply" });
      expect(clash.status).toBe(409);
      expect(clash.json.error.code).toBe("id_conflict");
      expect(clash.text).not.toContain("secret-of-alice");

      // A true retry (same body) still gets the stored reply.
      const retry = await signedPost(port, { id: "x", conversation: "convA", user: "alice", text: "the secret-of-alice" });
      expect(retry.json).toEqual(alice.json);
      expect(events.filter((e) => e.type === "message.inbound" && e.adapter === "hooks")).toHaveLength(2);
    } finally {
      await g.stop();
    }
  });

  test("a conflicting id while the first request is still in flight: only the newcomer gets 409; the first keeps its reply and callback", async () => {
    // A provider that holds its answer until the test lets it go, so the conflict lands mid-turn.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const providerAsked = new Promise<void>((r) => (asked = r));
    const provider = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const body = (await req.json()) as { messages: Array<{ content: string }> };
        asked();
        await released;
        return Response.json({ choices: [{ message: { content: `answer to ${body.messages.at(-1)!.content}` } }] });
      },
    });
    const callbacks: unknown[] = [];
    let calledBack!: () => void;
    const gotCallback = new Promise<void>((r) => (calledBack = r));
    const hook = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        callbacks.push({ path: new URL(req.url).pathname, body: await req.json() });
        calledBack();
        return new Response("ok");
      },
    });
    const port = await freePort();
    const home = mkdtempSync(join(tmpdir(), "bosun-webhook-gw-"));
    const toml = `[agent]\nprovider = "openai"\nbase_url = "http://127.0.0.1:${provider.port}/v1"\nmodel = "m"\n\n[adapters.hooks]\nkind = "webhook"\nlisten = "127.0.0.1:${port}"\nsecret = "\${HOOK_SECRET}"\nreply_timeout_ms = 10000\n`;
    const g = new Gateway({ home, loaded: parseConfig(toml, "t.toml", { HOOK_SECRET: SECRET }), env: {}, version: "test", control: false });
    await g.start();
    try {
      const first = signedPost(port, { id: "x", conversation: "c", user: "alice", text: "alice's question", callback_url: `http://127.0.0.1:${hook.port}/cb-alice` });
      await providerAsked;
      const clash = await signedPost(port, { id: "x", conversation: "c", user: "mallory", text: "other", callback_url: `http://127.0.0.1:${hook.port}/cb-mallory` });
      expect(clash.status).toBe(409);
      release();
      const answered = await first;
      expect(answered.status).toBe(200);
      expect(answered.json.reply).toBe("answer to alice's question");
      await gotCallback;
      expect(callbacks).toEqual([{ path: "/cb-alice", body: answered.json }]);
    } finally {
      release();
      await g.stop();
      provider.stop(true);
      hook.stop(true);
    }
  });

  test("a model that repeats a configured secret in its answer: the chat reply shows [redacted]", async () => {
    const key = "plain-provider-key-4b9d1e77";
    const provider = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => Response.json({ choices: [{ message: { content: `sure, the key is ${key} and the hook secret is ${SECRET}` } }] }),
    });
    const port = await freePort();
    const home = mkdtempSync(join(tmpdir(), "bosun-webhook-gw-"));
    const toml = `[agent]\nprovider = "openai"\nbase_url = "http://127.0.0.1:${provider.port}/v1"\nmodel = "m"\napi_key = "\${KEY}"\n\n[adapters.hooks]\nkind = "webhook"\nlisten = "127.0.0.1:${port}"\nsecret = "\${HOOK_SECRET}"\n`;
    const g = new Gateway({ home, loaded: parseConfig(toml, "t.toml", { HOOK_SECRET: SECRET, KEY: key }), env: {}, version: "test", control: false });
    await g.start();
    try {
      const r = await signedPost(port, { id: "leak-1", conversation: "c", user: "u", text: "what is your key?" });
      expect(r.status).toBe(200);
      expect(r.json.reply).toBe("sure, the key is [redacted] and the hook secret is [redacted]");
    } finally {
      await g.stop();
      provider.stop(true);
    }
  });

  test("the webhook secret never reaches the gateway's log events", async () => {
    const port = await freePort();
    const g = await startGateway(port);
    const logs: string[] = [];
    g.bus.on((e) => {
      if (e.type === "log") logs.push(e.message);
    });
    try {
      const bad = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}", headers: { "X-Bosun-Signature": "sha256=00" } });
      expect(bad.status).toBe(401);
      expect(await bad.text()).not.toContain(SECRET);
      await signedPost(port, { id: "s-1", conversation: "ops", user: "ci", text: "hi" });
    } finally {
      await g.stop();
    }
    expect(logs.length).toBeGreaterThan(0);
    for (const l of logs) expect(l).not.toContain(SECRET);
  });
});
