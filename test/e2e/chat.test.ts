import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BIN, have, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { OpenAIServer, text, type SeenRequest } from "../helpers/openai-server.ts";
import { shellEnv, Tmux } from "../helpers/tmux.ts";

// `bosun chat` driven like a person in a real terminal (tmux, dist/bosun), against a local
// OpenAI-compatible server whose answers the test holds mid-stream.

const sessions: Tmux[] = [];
afterAll(() => sessions.forEach((s) => s.kill()));

const lastUser = (r: SeenRequest): string => r.body.messages.findLast((m: { role: string }) => m.role === "user")?.content ?? "";
const prompt = (r: SeenRequest): string[] => r.body.messages.map((m: { role: string; content: string }) => `${m.role}: ${m.content}`);

/** A chat in tmux, its exit code printed when it ends. */
function chat(sb: Sandbox, name: string, args = ""): Tmux {
  const t = Tmux.start(`bosun-chat-${name}-${process.pid}`, `cd ${sb.dir} && env ${shellEnv(sb.env)} ${BIN} chat ${args}; echo "EXITED rc=$?"; sleep 60`, 120, 40);
  sessions.push(t);
  return t;
}

/** The screen's last line that starts with `you>` (the live prompt) holds nothing typed. */
const atPrompt = (s: string) => /(^|\n)you> ?\n*$/.test(s.replace(/\s+$/, "\n"));

describe.skipIf(!have("tmux"))("bosun chat in a real terminal (tmux, dist/bosun)", () => {
  let llm: OpenAIServer;
  let release!: () => void;
  beforeAll(async () => {
    llm = await OpenAIServer.start();
    const held = new Promise<void>((r) => (release = r));
    llm.on("m", (req) => {
      const said = lastUser(req);
      // Streams two parts, then waits for the test: partial text is on screen before the end.
      if (said === "stream please") return { parts: ["Streaming ", "in ", "parts"], holdBefore: 2, hold: held };
      // Never finishes by itself: only a cancel ends it.
      if (said === "take forever") return { parts: ["Thinking ", "hard"], holdBefore: 1, hold: new Promise(() => {}) };
      if (said === "hostile") return text("title\x1b]0;pwned\x07 clear\x1b[2J cr\rend of it");
      return text(`answer to ${said}`);
    });
  });
  afterAll(() => llm.close());

  const config = (sb: Sandbox) => sb.writeConfig(`[agent]\nprovider = "openai"\nbase_url = "${llm.url}"\nmodel = "m"\n`);

  test("no gateway running: runs one in-process; streams, Ctrl-C cancels, /reset clears the context, control characters are shown not obeyed, Ctrl-D leaves; reopening shows the history", async () => {
    const sb = sandbox();
    config(sb);
    const t = chat(sb, "inproc");
    await t.waitFor((s) => s.includes("gateway in this process") && atPrompt(s), "the prompt");
    // While it runs, this chat's gateway is the home's gateway: another `up` is refused.
    const up = await sb.runAsync(["up", "--detach"]);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toContain("already running");

    t.keys("stream please", "Enter");
    const partial = await t.waitFor((s) => s.includes("bosun> Streaming in"), "the streamed start of the answer");
    expect(partial).not.toContain("parts");
    release();
    await t.waitFor((s) => s.includes("bosun> Streaming in parts") && atPrompt(s), "the whole answer, then the prompt");

    t.keys("take forever", "Enter");
    await t.waitFor((s) => s.includes("bosun> Thinking"), "the answer starting");
    t.keys("C-c");
    await t.waitFor((s) => /bosun> Cancelled\./.test(s) && atPrompt(s), "the turn cancelled");
    await llm.until(() => llm.abandoned >= 1);

    t.keys("hostile", "Enter");
    const hostile = await t.waitFor((s) => s.includes("end of it") && atPrompt(s), "the hostile answer");
    expect(hostile).toContain("title\\u001b]0;pwned\\u0007 clear\\u001b[2J cr\\u000dend of it");
    // The earlier answer is still on screen: nothing cleared it.
    expect(hostile).toContain("Streaming in parts");
    // The model saw the finished exchange, not the cancelled one.
    expect(prompt(llm.requests.at(-1)!)).toEqual(["user: stream please", "assistant: Streaming in parts", "user: hostile"]);

    t.keys("/reset", "Enter");
    await t.waitFor((s) => s.includes("Started a fresh conversation.") && atPrompt(s), "the reset");
    t.keys("after reset", "Enter");
    await t.waitFor((s) => s.includes("answer to after reset") && atPrompt(s), "the answer after the reset");
    expect(prompt(llm.requests.at(-1)!)).toEqual(["user: after reset"]);

    t.keys("C-d");
    await t.waitFor((s) => s.includes("EXITED"), "the chat to end");
    expect(t.screen()).toContain("EXITED rc=0");
    t.kill();
    // The gateway it ran stopped with it.
    for (const f of ["bosun.sock", "gateway.json", "gateway.lock"]) expect(existsSync(join(sb.home, "run", f))).toBe(false);

    const again = chat(sb, "inproc-again");
    const opened = await again.waitFor((s) => s.includes("earlier in this conversation") && atPrompt(s), "the history");
    for (const line of ["you> stream please", "bosun> Streaming in parts", "you> take forever", "bosun> Cancelled.", "you> /reset", "bosun> answer to after reset"]) expect(opened).toContain(line);
    again.keys("/exit", "Enter");
    await again.waitFor((s) => s.includes("EXITED rc=0"), "the chat to end on /exit");
  });

  test("through a running gateway: streams, Ctrl-C cancels, the history survives a restart and the model sees it", async () => {
    const sb = sandbox();
    let release2!: () => void;
    const held = new Promise<void>((r) => (release2 = r));
    llm.on("m2", (req) => {
      const said = lastUser(req);
      if (said === "first") return { parts: ["One ", "two ", "three"], holdBefore: 2, hold: held };
      if (said === "take forever") return { parts: ["Slow ", "going"], holdBefore: 1, hold: new Promise(() => {}) };
      return text(`answer to ${said}`);
    });
    sb.writeConfig(`[agent]\nprovider = "openai"\nbase_url = "${llm.url}"\nmodel = "m2"\n`);
    expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
    try {
      const t = chat(sb, "remote", "--session work");
      await t.waitFor((s) => s.includes("session cli:work") && s.includes("through the running gateway") && atPrompt(s), "the prompt");
      t.keys("first", "Enter");
      const partial = await t.waitFor((s) => s.includes("bosun> One two"), "the streamed start");
      expect(partial).not.toContain("three");
      release2();
      await t.waitFor((s) => s.includes("bosun> One two three") && atPrompt(s), "the whole answer");

      const abandoned = llm.abandoned;
      t.keys("take forever", "Enter");
      await t.waitFor((s) => s.includes("bosun> Slow"), "the answer starting");
      t.keys("C-c");
      await t.waitFor((s) => s.includes("bosun> Slow") && /bosun> Cancelled\./.test(s) && atPrompt(s), "the turn cancelled");
      await llm.until(() => llm.abandoned > abandoned);
      t.keys("/exit", "Enter");
      await t.waitFor((s) => s.includes("EXITED rc=0"), "the chat to end on /exit");
      t.kill();

      expect((await sb.runAsync(["down"])).code).toBe(0);
      expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
      const again = chat(sb, "remote-again", "--session work");
      const opened = await again.waitFor((s) => s.includes("earlier in this conversation") && atPrompt(s), "the history after the restart");
      for (const line of ["you> first", "bosun> One two three", "you> take forever", "bosun> Cancelled."]) expect(opened).toContain(line);
      again.keys("and now", "Enter");
      await again.waitFor((s) => s.includes("bosun> answer to and now") && atPrompt(s), "an answer after the restart");
      expect(prompt(llm.requests.at(-1)!)).toEqual(["user: first", "assistant: One two three", "user: and now"]);
      again.keys("C-c");
      await again.waitFor((s) => s.includes("press Ctrl-C again"), "the hint on an idle Ctrl-C");
      again.keys("C-c");
      await again.waitFor((s) => s.includes("EXITED rc=0"), "a second Ctrl-C to leave");
    } finally {
      await sb.runAsync(["down"]);
    }
  });
});

describe("bosun chat from a script (stdin not a terminal)", () => {
  test("answers each line, one JSON object per reply with --json, refuses an over-long line in one line and goes on, exits 1 when one failed", () => {
    const sb = sandbox();
    sb.writeConfig(`[agent]\nprovider = "echo"\n`);
    const r = sb.run(["chat", "--json", "--session", "script"], { input: `one\n${"x".repeat(20_000)}\ntwo\n` });
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.text ?? l.error?.code)).toEqual(["echo: one", "too_long", "echo: two"]);
    expect(lines[1].error.message).toContain("at most 16000");
    expect(r.code).toBe(1);
    const plain = sb.run(["chat", "--session", "script"], { input: "three\n" });
    expect({ code: plain.code, stdout: plain.stdout }).toEqual({ code: 0, stdout: "echo: three\n" });
    expect(sb.run(["chat", "--session", "a:b"], { input: "x\n" }).code).toBe(2);
  });
});
