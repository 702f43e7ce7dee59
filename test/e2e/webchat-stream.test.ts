import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { freePort, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { OpenAIServer, text } from "../helpers/openai-server.ts";
import { WebchatClient } from "../helpers/webchat.ts";

// The chat page's view of a turn, against the real binary and a local OpenAI-compatible server:
// text streams in before the reply, and a page that (re)connects gets the stored conversation.

describe("webchat streaming and stored history (dist/bosun)", () => {
  let sb: Sandbox;
  let port: number;
  let llm: OpenAIServer;
  let release!: () => void;
  beforeAll(async () => {
    llm = await OpenAIServer.start();
    const hold = new Promise<void>((r) => (release = r));
    llm.on("m", (req) => (req.n === 0 ? { parts: ["Hel", "lo ", "there"], holdBefore: 2, hold } : text(`answer ${req.n}`)));
    sb = sandbox();
    port = await freePort();
    sb.writeConfig(`[agent]\nprovider = "openai"\nbase_url = "${llm.url}"\nmodel = "m"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);
    expect(sb.run(["up", "--detach"]).code).toBe(0);
  });
  afterAll(async () => {
    sb.run(["down"]);
    await llm.close();
  });

  test("deltas reach the page before the final message; a reconnecting page gets the conversation from the store, also after a restart", async () => {
    const page = await WebchatClient.open(port, "conv-a");
    page.send({ type: "message", id: "q1", text: "hi" });
    await page.waitFor((f) => f.type === "typing" && f.replyTo === "q1");
    const firstDeltas = await page.waitFor((f) => f.type === "delta");
    // The server holds the last part: the page has seen text, and no reply yet.
    expect(page.frames.some((f) => f.type === "message" && f.role === "agent")).toBe(false);
    // Words are shown once whitespace follows them (a secret split over deltas is recognised whole).
    expect(page.frames.filter((f) => f.type === "delta").map((f) => f.text).join("")).toBe("Hello ");
    expect(firstDeltas.replyTo).toBe("q1");
    release();
    const reply = await page.waitFor((f) => f.type === "message" && f.role === "agent");
    expect(reply).toMatchObject({ text: "Hello there", replyTo: "q1" });
    expect(page.frames.findIndex((f) => f.type === "typing_end")).toBeGreaterThan(page.frames.findIndex((f) => f.type === "delta"));
    page.close();

    // A reload: the stored conversation comes first.
    const again = await WebchatClient.open(port, "conv-a");
    const history = await again.waitFor((f) => f.type === "history");
    expect((history.messages as Array<{ role: string; text: string }>).map((m) => [m.role, m.text])).toEqual([
      ["user", "hi"],
      ["agent", "Hello there"],
    ]);
    again.close();

    // A reply to a page that is gone waits in the history; after down/up it is still there, and the
    // model sees the earlier turns in its prompt.
    expect(sb.run(["down"]).code).toBe(0);
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const third = await WebchatClient.open(port, "conv-a");
    await third.waitFor((f) => f.type === "history");
    third.send({ type: "message", id: "q2", text: "and again" });
    await third.waitFor((f) => f.type === "message" && f.role === "agent" && f.replyTo === "q2");
    const prompt = llm.requests.at(-1)!.body.messages.map((m: { role: string; content: string }) => `${m.role}: ${m.content}`);
    expect(prompt).toEqual(["user: hi", "assistant: Hello there", "user: and again"]);
    third.close();
  });
});
