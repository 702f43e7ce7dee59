import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { renderSession } from "../../src/cli/sessions-view.ts";
import { openDatabase } from "../../src/core/db.ts";
import type { OfferedTool, ToolBox, ToolResult, ToolStep } from "../../src/core/integrations/types.ts";
import type { OutboundMessage, TurnProgress } from "../../src/core/messages.ts";
import { DEFAULT_FALLBACK_ON } from "../../src/core/providers/chain.ts";
import { openaiProvider } from "../../src/core/providers/openai.ts";
import type { ToolCall } from "../../src/core/providers/types.ts";
import { Agent, type Answer } from "../../src/core/sessions/agent.ts";
import { sessionKey } from "../../src/core/sessions/key.ts";
import type { Channels } from "../../src/core/sessions/outbox.ts";
import { SqliteSessionStore } from "../../src/core/sessions/sqlite-store.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { transcriptLines } from "../../src/tui/SessionTranscript.tsx";
import { OpenAIServer, text, toolCalls, type SeenRequest } from "../helpers/openai-server.ts";
import { startRuntime } from "../helpers/runtime.ts";
import { waitUntil } from "../helpers/wait.ts";

// The agent's tool loop against the real local OpenAI-compatible server (streamed tool calls over
// HTTP, through the real openai provider and chain) with a small ToolBox of the test's own.

const def = (name: string): OfferedTool => ({
  definition: { type: "function", function: { name, description: `the ${name} tool`, parameters: { type: "object", properties: { path: { type: "string" } } } } },
  source: "files",
  name,
});

/** A ToolBox that offers `offers` (changeable between calls) and runs calls with `handler`, recording each. */
class TestToolBox implements ToolBox {
  offers: OfferedTool[] = [def("read_file")];
  runs: Array<{ name: string; args: unknown; id: string }> = [];
  offeredCalls = 0;
  signals: AbortSignal[] = [];
  handler: (name: string, args: any, signal: AbortSignal) => Promise<ToolResult> | ToolResult = (name, args) => ({ text: `${name} of ${JSON.stringify(args)}`, isError: false });
  async offered(): Promise<OfferedTool[]> {
    this.offeredCalls++;
    return this.offers;
  }
  async run(call: ToolCall, offered: readonly OfferedTool[], signal: AbortSignal): Promise<ToolStep> {
    const tool = offered.find((t) => t.definition.function.name === call.function.name);
    const step = (result: string, isError: boolean): ToolStep => ({ name: call.function.name, source: tool?.source ?? null, arguments: call.function.arguments, result, isError, durationMs: 1 });
    if (!tool) return step(`no tool ${call.function.name}`, true);
    let args: unknown;
    try {
      args = JSON.parse(call.function.arguments);
    } catch {
      return step("arguments are not JSON", true);
    }
    this.runs.push({ name: tool.name, args, id: call.id });
    this.signals.push(signal);
    const r = await this.handler(tool.name, args, signal);
    return step(r.text, r.isError);
  }
}

let llm: OpenAIServer;
beforeAll(async () => {
  llm = await OpenAIServer.start();
});
afterAll(async () => {
  await llm.close();
});

const log = createConsola({ level: -999 });
const stores: Array<{ close(): void }> = [];
afterEach(() => {
  for (const d of stores.splice(0)) d.close();
});

function agentWith(model: string, tools: ToolBox | undefined, maxToolSteps = 10) {
  const db = openDatabase(":memory:");
  stores.push(db);
  const store = new SqliteSessionStore(db);
  const provider = openaiProvider({ baseUrl: llm.url, model, timeoutMs: 5000 });
  const agent = new Agent({
    chain: [{ provider, model, on: DEFAULT_FALLBACK_ON }],
    contextTokens: 8000,
    maxConcurrentTurns: 4,
    maxToolSteps,
    store,
    clock: systemClock,
    log,
    describeStatus: () => "ok",
    redact: (t) => t,
    ...(tools ? { tools } : {}),
  });
  return { agent, store, db };
}

const requestsOf = (model: string) => llm.requests.filter((r) => r.model === model);
const toolMessages = (r: SeenRequest) => (r.body.messages as any[]).filter((m) => m.role === "tool");

describe("the tool loop", () => {
  test("a streamed tool call runs with its parsed arguments; the next request carries the call and its result; the reply has the result", async () => {
    llm.on("one-call", (r) =>
      r.n === 0 ? toolCalls([{ id: "call_abc", name: "read_file", arguments: '{"path":"/srv/notes.txt"}' }], ["Let me look."]) : text("The file says: ", toolMessages(r)[0]?.content ?? "(nothing)"),
    );
    const box = new TestToolBox();
    box.handler = () => ({ text: "buy milk", isError: false });
    const { agent } = agentWith("one-call", box);
    const streamed: string[] = [];
    const a = await agent.answer("t:one", "what is in my notes?", new AbortController().signal, { onText: (t) => streamed.push(t) });

    expect(box.runs).toEqual([{ name: "read_file", args: { path: "/srv/notes.txt" }, id: "call_abc" }]);
    const [first, second] = requestsOf("one-call");
    expect(first!.body.tools).toEqual([box.offers[0]!.definition]);
    const msgs = second!.body.messages as any[];
    expect(msgs.at(-2)).toEqual({ role: "assistant", content: "Let me look.", tool_calls: [{ id: "call_abc", type: "function", function: { name: "read_file", arguments: '{"path":"/srv/notes.txt"}' } }] });
    expect(msgs.at(-1)).toEqual({ role: "tool", tool_call_id: "call_abc", content: "buy milk" });
    // Offered again before the second call (a source that went down would not be).
    expect(box.offeredCalls).toBe(2);
    expect(a.result).toEqual({ text: "Let me look.\n\nThe file says: buy milk", error: null });
    // What streamed is the reply as it came (its tail after the last space is held back for redaction).
    expect(streamed.join("")).toStartWith("Let me look.\n\nThe file says: ");
    expect(a.result.text).toStartWith(streamed.join(""));
    expect(a.tools).toEqual([{ name: "read_file", source: "files", arguments: '{"path":"/srv/notes.txt"}', result: "buy milk", isError: false, durationMs: 1 }]);
    expect(a.inContext).toBe(true);
  });

  test("parallel calls run in order and each gets its tool message; a source gone by the next call is not offered", async () => {
    llm.on("parallel", (r) =>
      r.n === 0
        ? toolCalls([
            { id: "c0", name: "read_file", arguments: '{"path":"a"}' },
            { id: "c1", name: "stat", arguments: '{"path":"b"}' },
          ])
        : text(`got ${toolMessages(r).map((m) => `${m.tool_call_id}=${m.content}`).join(", ")}`),
    );
    const box = new TestToolBox();
    box.offers = [def("read_file"), def("stat")];
    const order: string[] = [];
    box.handler = async (name, args) => {
      order.push(`start ${name}`);
      await Bun.sleep(0);
      order.push(`end ${name}`);
      // The source goes down after its calls: the next model call must not be offered its tools.
      box.offers = [];
      return { text: `${name}:${args.path}`, isError: false };
    };
    const { agent } = agentWith("parallel", box);
    const a = await agent.answer("t:par", "both", new AbortController().signal);
    expect(order).toEqual(["start read_file", "end read_file", "start stat", "end stat"]);
    const reqs = requestsOf("parallel");
    expect(reqs).toHaveLength(2);
    expect(toolMessages(reqs[1]!)).toEqual([
      { role: "tool", tool_call_id: "c0", content: "read_file:a" },
      { role: "tool", tool_call_id: "c1", content: "stat:b" },
    ]);
    expect("tools" in reqs[1]!.body).toBe(false);
    expect(a.result.text).toBe("got c0=read_file:a, c1=stat:b");
    expect(a.tools.map((s) => s.name)).toEqual(["read_file", "stat"]);
  });

  test("the step limit: exactly max_tool_steps calls run, the call after has no tools, and the reply says the limit was hit", async () => {
    // A model that calls a tool whenever it is offered one, and answers once it is not.
    llm.on("looping", (r) => (r.body.tools ? toolCalls([{ name: "read_file", arguments: `{"path":"${r.n}"}` }], [`step ${r.n}.`]) : text("Here is what I found.")));
    const box = new TestToolBox();
    const { agent } = agentWith("looping", box, 3);
    const a = await agent.answer("t:limit", "loop", new AbortController().signal);
    expect(box.runs).toHaveLength(3);
    const reqs = requestsOf("looping");
    expect(reqs).toHaveLength(4);
    expect(reqs.slice(0, 3).every((r) => Array.isArray(r.body.tools))).toBe(true);
    expect("tools" in reqs[3]!.body).toBe(false);
    expect((reqs[3]!.body.messages as any[]).at(-1)).toEqual({ role: "system", content: "This turn has used its 3 tool calls: no more tools. Answer now with what you have." });
    expect(toolMessages(reqs[3]!)).toHaveLength(3);
    expect(a.result.text).toBe("step 0.\n\nstep 1.\n\nstep 2.\n\nHere is what I found.\n\n[stopped after 3 tool calls: the limit set by [agent] max_tool_steps]");
    expect(a.tools).toHaveLength(3);
  });

  test("a model that still calls tools past the limit: they are not run and the reply says so", async () => {
    llm.on("stubborn", () => toolCalls([{ name: "read_file", arguments: "{}" }]));
    const box = new TestToolBox();
    const { agent } = agentWith("stubborn", box, 2);
    const a = await agent.answer("t:stubborn", "loop", new AbortController().signal);
    expect(box.runs).toHaveLength(2);
    expect(requestsOf("stubborn")).toHaveLength(3);
    expect(a.result.text).toBe("[stopped after 2 tool calls: the limit set by [agent] max_tool_steps; 1 more the model asked for was not run]");
  });

  test("a ToolBox that offers nothing, or none at all: the request has no tools key, and a tool call the model makes anyway is not run", async () => {
    llm.on("plain", (r) => (r.n === 2 ? toolCalls([{ name: "made_up", arguments: "{}" }], ["Sure."]) : text("hello")));
    const box = new TestToolBox();
    box.offers = [];
    const { agent } = agentWith("plain", box);
    expect((await agent.answer("t:none", "hi", new AbortController().signal)).result.text).toBe("hello");
    agent.setTools(undefined);
    expect((await agent.answer("t:none", "hi again", new AbortController().signal)).result.text).toBe("hello");
    for (const r of requestsOf("plain")) expect("tools" in r.body).toBe(false);
    agent.setTools(box);
    const a = await agent.answer("t:none", "do it", new AbortController().signal);
    expect(box.runs).toHaveLength(0);
    expect(a.result.text).toBe("Sure.\n\n[the model asked for tool made_up, but no tools are offered; not run]");
    expect(a.tools).toEqual([]);
  });

  test("cancelling mid-tool stops the turn at once: the tool sees the abort and the model is not asked again", async () => {
    llm.on("slow-tool", () => toolCalls([{ name: "read_file", arguments: '{"path":"big"}' }]));
    const box = new TestToolBox();
    let toolAborted = false;
    box.handler = (_n, _a, signal) =>
      new Promise((resolve) =>
        signal.addEventListener("abort", () => {
          toolAborted = true;
          resolve({ text: "too late", isError: true });
        }),
      );
    const { agent } = agentWith("slow-tool", box);
    const ctl = new AbortController();
    const pending = agent.answer("t:cancel", "read it", ctl.signal);
    await waitUntil(() => box.runs.length === 1, "the tool call to start");
    ctl.abort();
    const a: Answer = await pending;
    expect(a.cancelled).toBe(true);
    expect(toolAborted).toBe(true);
    expect(requestsOf("slow-tool")).toHaveLength(1);
    expect(a.inContext).toBe(false);
  });

  test("tool messages never go back into later prompts; only the question and the reply do", async () => {
    llm.on("history", (r) => (r.n === 0 ? toolCalls([{ id: "h1", name: "read_file", arguments: "{}" }]) : text(`answer ${r.n}`)));
    const box = new TestToolBox();
    const { agent } = agentWith("history", box);
    await agent.answer("t:hist", "first", new AbortController().signal);
    await agent.answer("t:hist", "second", new AbortController().signal);
    const third = requestsOf("history")[2]!;
    expect((third.body.messages as any[]).map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(third.body.messages[1]).toEqual({ role: "assistant", content: "answer 1" });
  });
});

describe("tool steps in the session store and on screen", () => {
  const step = (over: Partial<ToolStep> = {}): ToolStep => ({ name: "read_file", source: "files", arguments: '{"path":"/srv/a"}', result: "contents of a", isError: false, durationMs: 12, ...over });
  const inbound = { id: "m1", conversation: "c1", user: "u", text: "read a" };

  test("recorded between the question and the reply, parsed back; left out of history, a channel's transcript and the message count", async () => {
    const db = openDatabase(":memory:");
    stores.push(db);
    const store = new SqliteSessionStore(db);
    await store.accept("web", inbound, 1000);
    const failed = step({ name: "stat", arguments: "{bad json", result: "arguments are not JSON", isError: true });
    await store.recordTurn({ adapter: "web", inbound, receivedAt: 1000, reply: { text: "a says hi", error: null }, model: "m", usage: null, inContext: true, state: "idle", at: 2000, tools: [step(), failed] });
    const key = sessionKey("web", "c1");
    const d = (await store.session(key))!;
    expect(d.messages.map((m) => m.role)).toEqual(["user", "tool", "tool", "assistant"]);
    expect(d.messages[1]!.tool).toEqual(step());
    expect(d.messages[2]!.tool).toEqual(failed);
    expect(d.messageCount).toBe(2);
    expect(await store.history(key, 50)).toEqual([
      { role: "user", content: "read a" },
      { role: "assistant", content: "a says hi" },
    ]);
    expect((await store.transcript(key, 50)).map((e) => [e.role, e.text])).toEqual([
      ["user", "read a"],
      ["agent", "a says hi"],
    ]);
    // The page's limit counts messages; the tool rows between them come along.
    expect((await store.session(key, 1))!.messages.map((m) => m.role)).toEqual(["assistant"]);
    expect((await store.session(key, 2))!.messages.map((m) => m.role)).toEqual(["user", "tool", "tool", "assistant"]);
  });

  test("sessions show prints each step (name, source, arguments, result, errors marked), cut and escaped; a row that is not a step shows as text", async () => {
    const db = openDatabase(":memory:");
    stores.push(db);
    const store = new SqliteSessionStore(db);
    await store.accept("web", inbound, 1000);
    const hostile = step({ name: "evil\u001b]0;pwned\u0007", result: `line one\nline two \u001b[2J ${"x".repeat(5000)}` });
    await store.recordTurn({
      adapter: "web",
      inbound,
      receivedAt: 1000,
      reply: { text: "done", error: null },
      model: "m",
      usage: null,
      inContext: true,
      state: "idle",
      at: 2000,
      tools: [step(), step({ name: "stat", result: "no such file", isError: true }), hostile],
    });
    const key = sessionKey("web", "c1");
    db.prepare(`INSERT INTO messages (session_id, role, content, inbound_id, model, error_type, in_context, created_at) VALUES (?, 'tool', ?, 'm0', NULL, NULL, 0, 3000)`).run(
      (await store.session(key))!.id,
      "not json \u001b[31m",
    );
    const d = (await store.session(key))!;
    expect(d.messages.at(-1)!.tool).toBeUndefined();
    const out = renderSession(d, 5000).replace(/\u001b\[[0-9;]*m/g, "");
    const lines = out.split("\n");
    const user = lines.findIndex((l) => l.endsWith(" user"));
    const first = lines.findIndex((l) => l.includes("tool read_file (files) 12 ms"));
    const reply = lines.findIndex((l) => l.includes(" assistant"));
    expect(user).toBeGreaterThan(-1);
    expect(first).toBeGreaterThan(user);
    expect(reply).toBeGreaterThan(first);
    expect(lines[first]).toContain('{"path":"/srv/a"}');
    expect(lines[first + 1]).toBe("    → contents of a");
    expect(out).toContain("→ error: no such file");
    // Controls come out as escapes, the long result is cut, and the unparsable row is its text.
    expect(out).toContain("evil\\u001b]0;pwned\\u0007");
    expect(out).toContain("line one line two \\u001b[2J xxx");
    expect(out).not.toContain("x".repeat(1000));
    expect(out).toContain("not json \\u001b[31m");
    expect(renderSession(d, 5000)).not.toMatch(/\u001b\]|\u001b\[2J|\u0007/);
    // The dashboard: one dim line per step.
    const tui = transcriptLines(d).filter((l) => l.tone === "tool");
    expect(tui.map((l) => l.who)).toEqual(["tool read_file", "tool stat", "tool evil\u001b]0;pwned\u0007", "tool"]);
    expect(tui[0]!.text).toBe('{"path":"/srv/a"} → contents of a');
    expect(tui[1]!.note).toBe("files error");
  });
});

/** The channel side as the runtime sees it. */
class Recording implements Channels {
  sent: OutboundMessage[] = [];
  async send(_a: string, m: OutboundMessage): Promise<"sent" | "not_connected"> {
    this.sent.push(m);
    return "sent";
  }
  progress(_a: string, _p: TurnProgress): void {}
  answersDuplicates(): boolean {
    return false;
  }
}

describe("a turn with tools through the runtime", () => {
  test("its steps are recorded once, with the reply; a redelivered message records none again", async () => {
    llm.on("runtime-tools", (r) => (toolMessages(r).length === 0 ? toolCalls([{ id: "r1", name: "read_file", arguments: '{"path":"x"}' }]) : text(`x is ${toolMessages(r)[0].content}`)));
    const channels = new Recording();
    const box = new TestToolBox();
    box.handler = () => ({ text: "forty-two", isError: false });
    const provider = openaiProvider({ baseUrl: llm.url, model: "runtime-tools", timeoutMs: 5000 });
    const parts = await startRuntime({ channels, clock: systemClock, provider, tools: box });
    try {
      const m = { id: "m1", conversation: "c9", user: "u", text: "what is x?" };
      await parts.runtime.inbound("web", { message: m });
      await waitUntil(() => channels.sent.length === 1, "the reply");
      expect(channels.sent[0]!.text).toBe("x is forty-two");
      await parts.runtime.inbound("web", { message: m });
      const d = (await parts.store.session(sessionKey("web", "c9")))!;
      expect(d.messages.map((x) => x.role)).toEqual(["user", "tool", "assistant"]);
      expect(d.messages[1]!.tool).toMatchObject({ name: "read_file", source: "files", arguments: '{"path":"x"}', result: "forty-two", isError: false });
      expect(box.runs).toHaveLength(1);
    } finally {
      await parts.runtime.stop(1000);
      await parts.close();
    }
  });
});
