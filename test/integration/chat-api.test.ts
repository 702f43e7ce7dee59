import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatFrame } from "../../src/core/control/api.ts";
import { ControlClient } from "../../src/core/control/client.ts";
import { parseConfig } from "../../src/core/config/load.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { OpenAIServer, text, type SeenRequest } from "../helpers/openai-server.ts";
import { waitUntil } from "../helpers/wait.ts";

// The chat API over the control socket against a real gateway (SQLite store, local model server).

let g: Gateway;
let c: ControlClient;
let llm: OpenAIServer;
let token: string;
let release!: () => void;

beforeAll(async () => {
  llm = await OpenAIServer.start();
  const held = new Promise<void>((r) => (release = r));
  llm.on("m", (r: SeenRequest) => {
    const said = r.body.messages.at(-1).content;
    return said === "slow" ? { parts: ["partial ", "answer"], holdBefore: 1, hold: held } : text(`answer to ${said}`);
  });
  const home = mkdtempSync(join(tmpdir(), "bosun-chat-api-"));
  const loaded = parseConfig(`[agent]\nprovider = "openai"\nbase_url = "${llm.url}"\nmodel = "m"\n[gateway]\nwatch_config = false\n`, "t.toml", {});
  g = new Gateway({ home, loaded, env: {}, version: "test" });
  await g.start();
  token = readFileSync(g.paths.token, "utf8").trim();
  c = new ControlClient(g.paths.socket, token);
});
afterAll(async () => {
  await g.stop();
  await llm.close();
});

async function all(frames: AsyncIterable<ChatFrame>): Promise<ChatFrame[]> {
  const out: ChatFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

function post(path: string, body: string): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: g.paths.socket, path, method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } }, (res) => {
      let t = "";
      res.on("data", (d) => (t += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, code: JSON.parse(t || "{}").error?.code }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("chat over the control socket", () => {
  test("a message's frames: accepted, started, its reply; a repeated id gets the stored reply without a second turn", async () => {
    const frames = await all(c.chat({ conversation: "a", text: "hello", id: "m-1" }));
    expect(frames.map((f) => f.type)).toEqual(["accepted", "started", "delta", "reply"]);
    expect(frames.at(-1)).toEqual({ type: "reply", replyTo: "m-1", text: "answer to hello", error: null });
    const calls = llm.requests.length;
    const again = await all(c.chat({ conversation: "a", text: "hello", id: "m-1" }));
    expect(again.at(-1)).toEqual({ type: "reply", replyTo: "m-1", text: "answer to hello", error: null });
    expect(llm.requests.length).toBe(calls);
    expect((await c.chatHistory({ conversation: "a" })).map((e) => [e.role, e.text])).toEqual([
      ["user", "hello"],
      ["agent", "answer to hello"],
    ]);
  });

  test("hostile requests are 400s before anything is stored", async () => {
    expect(await post("/v1/chat", JSON.stringify({ conversation: "a:b", text: "x" }))).toEqual({ status: 400, code: "bad_request" });
    expect(await post("/v1/chat", JSON.stringify({ conversation: "a", text: "x".repeat(16_001) }))).toEqual({ status: 400, code: "bad_request" });
    expect(await post("/v1/chat", JSON.stringify({ conversation: "a", text: "" }))).toEqual({ status: 400, code: "bad_request" });
    expect(await post("/v1/chat", "{")).toEqual({ status: 400, code: "invalid_json" });
    expect(await post("/v1/chat/cancel", JSON.stringify({ conversation: "../x" }))).toEqual({ status: 400, code: "bad_request" });
    await expect(c.chatHistory({ conversation: "" })).rejects.toThrow(/session name/);
    expect(await c.cancelChat({ conversation: "nobody" })).toEqual({ cancelled: false });
    expect((await c.chatHistory({ conversation: "a" })).length).toBe(2);
  });

  test("a reply whose terminal left waits in the outbox and comes, first and marked with its message, to the next message there", async () => {
    const gone = new AbortController();
    let firstId = "";
    for await (const f of c.chat({ conversation: "b", text: "slow" }, gone.signal)) {
      if (f.type === "accepted") firstId = f.id;
      if (f.type === "delta") break; // the terminal goes away mid-answer
    }
    gone.abort();
    // The gateway notices the closed connection on its own time: the answer is let go once it has.
    await waitUntil(() => g.chat.channel.attached("b") === 0, "the gateway to see the terminal gone");
    release();
    await waitUntil(() => g.snapshot().outbox.pending === 1, () => `the reply waiting in the outbox; ${JSON.stringify(g.snapshot().outbox)} ${JSON.stringify(g.snapshot().sessions)}`);
    const frames = await all(c.chat({ conversation: "b", text: "next" }));
    const replies = frames.filter((f) => f.type === "reply");
    expect(replies.map((f) => [f.replyTo === firstId, f.text])).toEqual([
      [true, "partial answer"],
      [false, "answer to next"],
    ]);
    await waitUntil(() => g.snapshot().outbox.pending === 0, "the outbox empty");
  });
});
