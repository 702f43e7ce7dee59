import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, sandbox, webchatTurn, type Sandbox } from "../helpers/bosun.ts";
import { RawWs } from "../helpers/raw-ws.ts";

// Everything a browser or a script on the network could send the webchat, against the real
// binary: after each, the gateway must still be up and answering.

const TOKEN = "webchat-access-token-7c1f9e2ab3";

function config(port: number, extra = ""): string {
  return `[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n${extra}`;
}

async function gatewayUp(sb: Sandbox): Promise<number> {
  const up = sb.run(["up", "--detach"]);
  expect(up.code).toBe(0);
  const st = JSON.parse(sb.run(["status", "--json"]).stdout);
  expect(st.gateway.state).toBe("running");
  return st.gateway.pid;
}

function stillServing(sb: Sandbox, pid: number): void {
  const st = JSON.parse(sb.run(["status", "--json"]).stdout);
  expect(st.gateway.state).toBe("running");
  expect(st.gateway.pid).toBe(pid);
  expect(st.adapters[0].state).toBe("running");
}

describe("webchat against hostile input (dist/bosun)", () => {
  let sb: Sandbox;
  let port: number;
  let pid: number;
  beforeAll(async () => {
    sb = sandbox();
    port = await freePort();
    sb.writeConfig(config(port));
    pid = await gatewayUp(sb);
  });
  afterAll(() => {
    sb.run(["down"]);
  });

  test("every JSON type, odd shapes and oversize text get an error frame; the gateway stays up", async () => {
    const frames = [
      "null", "true", "false", "0", "-1.5e308", '"a string"', "[]", "[null]", "{}",
      '{"type":null}', '{"type":"message"}', '{"type":"message","text":null}', '{"type":"message","text":{}}',
      '{"type":"message","text":["x"]}', '{"type":"message","text":"   "}', '{"type":"__proto__"}',
      '{"__proto__":{"type":"message","text":"x"}}', '{"constructor":{"prototype":{}}}', "not json", "", "{", "\u0000",
      "[".repeat(100_000), `{"type":"message","text":"${"x".repeat(16_001)}"}`,
    ];
    const ws = await RawWs.open(port, "/ws?conversation=fuzz");
    expect(ws.status).toBe(101);
    for (const f of frames) {
      ws.send(f);
      const answer = await ws.nextJson();
      expect(answer.type).toBe("error");
      expect(typeof answer.message).toBe("string");
    }
    // A binary frame of garbage is decoded leniently and refused like any other bad frame.
    ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x80]), 2);
    expect((await ws.nextJson()).type).toBe("error");
    // An id the client could not match in the ack is refused; a message without one gets one.
    for (const id of [{ x: 1 }, 7, "", "i".repeat(201)]) {
      ws.send(JSON.stringify({ type: "message", id, text: "with a bad id" }));
      expect((await ws.nextJson()).message).toContain('"id" must be a string');
    }
    ws.send('{"type":"message","text":"still alive"}');
    const next = [await ws.nextJson(), await ws.nextJson()];
    expect(next.map((m) => m.type).sort()).toEqual(["ack", "message"]);
    expect(next.find((m) => m.type === "message").text).toBe("echo: still alive");
    ws.end();
    stillServing(sb, pid);
  });

  test("invalid UTF-8 in a text frame and an oversize frame close that connection only", async () => {
    const bad = await RawWs.open(port, "/ws?conversation=utf8");
    bad.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 1);
    const code = await bad.closeCode();
    // 1007 is RFC 6455's "invalid frame payload data"; a dropped connection is also a refusal.
    expect(code === 1007 || code === null).toBe(true);

    const big = await RawWs.open(port, "/ws?conversation=big");
    big.send(JSON.stringify({ type: "message", text: "y".repeat(400_000) }));
    const bigCode = await big.closeCode();
    expect(bigCode === 1009 || bigCode === null).toBe(true);

    stillServing(sb, pid);
    expect(await webchatTurn(port, "after", "hello")).toBe("echo: hello");
  });

  test("a page on another origin, or a rebinding Host, cannot open the chat; the page's own origin can", async () => {
    const evil = await RawWs.open(port, "/ws?conversation=x", { Origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    const otherLoopback = await RawWs.open(port, "/ws?conversation=x", { Origin: "http://127.0.0.2:8099" });
    expect(otherLoopback.status).toBe(403);
    const nullOrigin = await RawWs.open(port, "/ws?conversation=x", { Origin: "null" });
    expect(nullOrigin.status).toBe(403);
    const rebound = await RawWs.open(port, "/ws?conversation=x", { Origin: "http://attacker.example", Host: "attacker.example" });
    expect(rebound.status).toBe(421);
    const reboundPage = await fetch(`http://127.0.0.1:${port}/`, { headers: { Host: `attacker.example:${port}` } });
    expect(reboundPage.status).toBe(421);

    const same = await RawWs.open(port, "/ws?conversation=x", { Origin: `http://127.0.0.1:${port}` });
    expect(same.status).toBe(101);
    same.end();
    const localhost = await RawWs.open(port, "/ws?conversation=x", { Origin: `http://localhost:${port}`, Host: `localhost:${port}` });
    expect(localhost.status).toBe(101);
    localhost.end();
    stillServing(sb, pid);
  });

  test("a Host that breaks the Host grammar gets 421 and leaves no error in the log", async () => {
    const errorsInLog = () =>
      readFileSync(join(sb.home, "logs", "bosun.log"), "utf8")
        .split("\n")
        .filter((l) => l.includes('"level":"error"'));
    const before = errorsInLog().length;
    for (const host of ["localhost:evil", `localhost:${port}/x`, "[localhost]", "[::1]evil.com", `localhost:${port}:1`, "localhost:99999"]) {
      for (const path of ["/", "/ws?conversation=x"]) {
        const r = await RawWs.open(port, path, { Host: host });
        expect([host, path, r.status]).toEqual([host, path, 421]);
      }
    }
    expect(errorsInLog().slice(before)).toEqual([]);
    stillServing(sb, pid);
  });

  test("HEAD / and the favicon are answered; other methods on / are 405", async () => {
    const head = await fetch(`http://127.0.0.1:${port}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toContain("text/html");
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(1000);
    expect(await head.text()).toBe("");
    const icon = await fetch(`http://127.0.0.1:${port}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
    expect(await icon.text()).toContain("<svg");
    expect((await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "x" })).status).toBe(405);
  });

  test("the user's message is mirrored to the conversation's other tabs, not to the sender", async () => {
    const a = await RawWs.open(port, "/ws?conversation=tabs");
    const b = await RawWs.open(port, "/ws?conversation=tabs");
    a.send(JSON.stringify({ type: "message", id: "m-1", text: "from tab a" }));
    const onA = [await a.nextJson(), await a.nextJson()];
    expect(onA.find((m) => m.type === "ack").id).toBe("m-1");
    expect(onA.find((m) => m.type === "message").role).toBe("agent");
    const onB = [await b.nextJson(), await b.nextJson()];
    expect(onB[0]).toMatchObject({ type: "message", role: "user", id: "m-1", text: "from tab a" });
    expect(onB[1]).toMatchObject({ type: "message", role: "agent", text: "echo: from tab a" });
    a.end();
    b.end();
  });

  test("a message resent after a reconnect gets its stored reply again (tagged replyTo), without a second turn", async () => {
    const a = await RawWs.open(port, "/ws?conversation=resend");
    a.send(JSON.stringify({ type: "message", id: "r-1", text: "once" }));
    const first = [await a.nextJson(), await a.nextJson()];
    expect(first.find((m) => m.type === "message")).toMatchObject({ role: "agent", text: "echo: once", replyTo: "r-1" });
    a.end();
    // Another tab that was away resends the same message: it gets the answer, no new turn runs.
    const before = JSON.parse(sb.run(["status", "--json"]).stdout).adapters[0].messagesIn;
    const b = await RawWs.open(port, "/ws?conversation=resend");
    b.send(JSON.stringify({ type: "message", id: "r-1", text: "once" }));
    const again = [await b.nextJson(), await b.nextJson()];
    expect(again.find((m) => m.type === "ack")).toMatchObject({ id: "r-1" });
    expect(again.find((m) => m.type === "message")).toMatchObject({ role: "agent", text: "echo: once", replyTo: "r-1" });
    expect(JSON.parse(sb.run(["status", "--json"]).stdout).adapters[0].messagesIn).toBe(before);
    b.end();
  });

  test("a client that stops reading is disconnected rather than silently losing frames", async () => {
    const inbound = () => JSON.parse(sb.run(["status", "--json"]).stdout).adapters[0].messagesIn as number;
    const before = inbound();
    const ws = await RawWs.open(port, "/ws?conversation=slowreader");
    ws.pause();
    const n = 3_000;
    const text = "z".repeat(15_000);
    for (let i = 0; i < n; i++) ws.send(JSON.stringify({ type: "message", id: `s-${i}`, text }));
    // Not reading, wait until the gateway has taken every message or stopped taking them (it
    // closed us): the replies it could not send have nowhere to go but its memory.
    let seen = before;
    for (let still = 0; seen < before + n && still < 5; ) {
      const now = inbound();
      still = now === seen ? still + 1 : 0;
      seen = now;
    }
    ws.resume();
    const frames = await ws.drain();
    const replies = frames.filter((f) => f.opcode === 1 && f.payload.includes('"role":"agent"')).length;
    const closed = ws.closed || frames.some((f) => f.opcode === 8);
    // Either everything arrived, or the connection says it is over (the page then resends what has no ack).
    expect({ complete: replies === n, closed }).not.toEqual({ complete: false, closed: false });
    ws.end();
    stillServing(sb, pid);
  });

  test("a reused id with other text is refused: an error for the sender, no ack, nothing mirrored", async () => {
    const a = await RawWs.open(port, "/ws?conversation=clash");
    const b = await RawWs.open(port, "/ws?conversation=clash");
    a.send(JSON.stringify({ type: "message", id: "dup", text: "first" }));
    expect((await b.nextJson()).text).toBe("first");
    expect((await b.nextJson()).text).toBe("echo: first");
    await a.nextJson();
    await a.nextJson();
    b.send(JSON.stringify({ type: "message", id: "dup", text: "second" }));
    expect(await b.nextJson()).toMatchObject({ type: "error", id: "dup" });
    // The next thing a sees is its own next exchange: nothing of "second" was mirrored to it.
    a.send(JSON.stringify({ type: "message", id: "next", text: "third" }));
    expect(await a.nextJson()).toMatchObject({ type: "ack", id: "next" });
    a.end();
    b.end();
  });
});

describe("webchat access token and allowed origins (dist/bosun)", () => {
  test("with access_token: no or a wrong token is closed with 4401 and never reaches the agent; the right one chats", async () => {
    const sb = sandbox({ WEB_TOKEN: TOKEN });
    const port = await freePort();
    sb.writeConfig(config(port, `access_token = "\${WEB_TOKEN}"\nallowed_origins = ["http://chat.example.test"]\n`));
    await gatewayUp(sb);
    try {
      for (const path of ["/ws?conversation=t", `/ws?conversation=t&token=wrong-${TOKEN}`]) {
        const ws = await RawWs.open(port, path);
        expect(ws.status).toBe(101);
        const err = await ws.nextJson();
        expect(err).toMatchObject({ type: "error", code: "unauthorized" });
        ws.send(JSON.stringify({ type: "message", text: "sneak in" }));
        expect(await ws.closeCode()).toBe(4401);
      }
      const st = JSON.parse(sb.run(["status", "--json"]).stdout);
      expect(st.adapters[0].lastInboundAt).toBeNull();

      const ok = await RawWs.open(port, `/ws?conversation=t&token=${TOKEN}`, { Origin: "http://chat.example.test" });
      expect(ok.status).toBe(101);
      ok.send(JSON.stringify({ type: "message", id: "1", text: "let me in" }));
      const got = [await ok.nextJson(), await ok.nextJson()];
      expect(got.find((m) => m.type === "message").text).toBe("echo: let me in");
      ok.end();

      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).not.toContain(TOKEN);
    } finally {
      sb.run(["down"]);
    }
  });

  test("listening beyond loopback with a token: config check, doctor and up warn; the chat still needs the token", async () => {
    const sb = sandbox({ WEB_TOKEN: TOKEN });
    const port = await freePort();
    sb.writeConfig(`[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "0.0.0.0:${port}"\naccess_token = "\${WEB_TOKEN}"\n`);
    const check = sb.run(["config", "check"]);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain(`warning: [adapters.web] listens on 0.0.0.0:${port}, beyond loopback`);
    expect(JSON.parse(sb.run(["config", "check", "--json"]).stdout).warnings).toHaveLength(1);
    const doctor = JSON.parse(sb.run(["doctor", "--json"]).stdout);
    expect(doctor.checks).toContainEqual(expect.objectContaining({ name: "exposure web", outcome: "warn" }));
    const up = sb.run(["up", "--detach"]);
    try {
      expect(up.code).toBe(0);
      expect(up.stderr).toContain("beyond loopback");
      const ws = await RawWs.open(port, "/ws?conversation=lan");
      expect(await ws.closeCode()).toBe(4401);
      expect(up.stderr + check.stderr + JSON.stringify(doctor)).not.toContain(TOKEN);
    } finally {
      sb.run(["down"]);
    }
  });

  test("listening beyond loopback without access_token (or public = true) is a config error at the listen line", () => {
    const sb = sandbox();
    sb.writeConfig(`[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "0.0.0.0:7999"\n`);
    const check = sb.run(["config", "check"]);
    expect(check.code).toBe(3);
    expect(check.stderr).toContain("bosun.toml:6:1:");
    expect(check.stderr).toContain("needs an access_token");
    const up = sb.run(["up", "--detach"]);
    expect(up.code).toBe(3);
  });
});
