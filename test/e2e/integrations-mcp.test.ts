// MCP servers in whole chat turns against the real binary: the npm filesystem server read through
// a webhook turn (the model's streamed call, the tool message, the reply, the transcript), the SDK
// fixture killed mid-session (its tools leave the request while it is down and come back after the
// restart), tools/list_changed, a call timeout, invalid arguments, the step limit, and `bosun down`
// leaving no MCP child behind.
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { OpenAIServer, text, toolCalls, type SeenRequest } from "../helpers/openai-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { agentToml, down, lastUser, logText, postWebhook, status, upDetached, webhookToml } from "./exactly-once-helpers.ts";
import { alive, FILESYSTEM_SERVER, fixtureToml, integrationsJson, lastTool, mcpToml, messages, offeredNames, pidFrom, pidsWith, rowUntil, shownMessages, toolsJson } from "./integrations-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

async function gateway(config: (ai: string, port: number) => string, script: (r: SeenRequest) => ReturnType<typeof text>) {
  const ai = await OpenAIServer.start();
  cleanups.push(() => ai.close());
  ai.on("m", script);
  const port = await freePort();
  const sb = sandbox();
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  sb.writeConfig(config(ai.url, port));
  await upDetached(sb);
  let n = 0;
  const say = async (conversation: string, t: string) => (await postWebhook(port, { id: `m${++n}`, conversation, text: t }))?.body?.reply ?? null;
  return { ai, sb, port, say };
}

test("the filesystem server in a whole turn: read_text_file offered, the streamed call runs, the tool message carries the file, the reply and the transcript show it; down leaves no server", async () => {
  const sb0 = sandbox();
  const files = join(sb0.dir, "shared");
  mkdirSync(files);
  const note = join(files, "note.txt");
  writeFileSync(note, "the password of the day is pelican-42\n");
  const { ai, sb, say } = await gateway(
    (url, port) => agentToml(url) + webhookToml(port) + mcpToml("files", ["node", FILESYSTEM_SERVER, files]),
    (r) => {
      const t = lastTool(r);
      if (t) return text(`The file says: ${String(t.content).trim()}`);
      return toolCalls([{ id: "call_read", name: "read_text_file", arguments: JSON.stringify({ path: note }) }]);
    },
  );
  await rowUntil(sb, "files", (r) => r.state === "ok" && r.offered > 0, "the filesystem server to offer its tools");
  const [serverPid] = pidsWith(FILESYSTEM_SERVER, files);
  expect(serverPid).toBeGreaterThan(0);

  const reply = await say("ada", "what does note.txt say?");
  expect(reply).toBe("The file says: the password of the day is pelican-42");
  expect(ai.requests.length).toBe(2);
  const [first, second] = ai.requests as [SeenRequest, SeenRequest];
  expect(offeredNames(first)).toContain("read_text_file");
  const def = (first.body.tools as Array<{ function: { name: string; parameters: { type: string; properties: object } } }>).find((t) => t.function.name === "read_text_file")!;
  expect(def.function.parameters.type).toBe("object");
  expect(Object.keys(def.function.parameters.properties)).toContain("path");
  // The follow-up: the assistant's call unchanged, then the tool message with the file's content.
  const ms = messages(second);
  const call = ms.at(-2)!;
  expect(call.role).toBe("assistant");
  expect(call.tool_calls?.[0]?.function).toEqual({ name: "read_text_file", arguments: JSON.stringify({ path: note }) });
  expect(ms.at(-1)).toMatchObject({ role: "tool", tool_call_id: "call_read" });
  expect(String(ms.at(-1)!.content)).toContain("pelican-42");

  const shown = await shownMessages(sb, "hook:ada");
  expect(shown.map((m) => m.role)).toEqual(["user", "tool", "assistant"]);
  expect(shown[1]!.tool).toMatchObject({ name: "read_text_file", source: "files", isError: false });
  expect(shown[1]!.tool!.result).toContain("pelican-42");
  expect(shown[2]!.content).toBe("The file says: the password of the day is pelican-42");

  // `bosun down` stops the server too.
  await down(sb);
  await waitUntil(() => !alive(serverPid!), `the filesystem server (pid ${serverPid}) to be gone after bosun down`, 5_000, 20);
  expect(pidsWith(FILESYSTEM_SERVER, files)).toEqual([]);
}, 30_000);

test("an MCP server killed mid-session: its tools leave the request while it is down and come back after the restart; tools/list_changed brings a new tool into the next request; down leaves no child", async () => {
  const sb0 = sandbox();
  const pidFile = join(sb0.dir, "fixture.pid");
  const crashIf = join(sb0.dir, "crash-now");
  const { ai, sb, say } = await gateway(
    (url, port) => agentToml(url) + webhookToml(port) + fixtureToml("fx", { FIXTURE_PID_FILE: pidFile, FIXTURE_CRASH_IF: crashIf }),
    (r) => {
      const t = lastTool(r);
      if (t) return text(`tool said: ${String(t.content)}`);
      const u = lastUser(r);
      if (u.startsWith("add ")) return toolCalls([{ name: "add_tool", arguments: JSON.stringify({ name: u.slice(4) }) }]);
      if (offeredNames(r).includes("echo")) return toolCalls([{ name: "echo", arguments: JSON.stringify({ text: u }) }]);
      return text(`no tools: ${u}`);
    },
  );
  await rowUntil(sb, "fx", (r) => r.state === "ok", "the fixture to be up");
  const pid = await pidFrom(pidFile);
  expect(await say("ada", "one")).toBe("tool said: one");
  expect(offeredNames(ai.requests[0]!)).toContain("echo");

  // Killed, and every restart fails while the crash file exists.
  writeFileSync(crashIf, "");
  process.kill(pid, "SIGKILL");
  const down1 = await rowUntil(sb, "fx", (r) => r.state !== "ok" && r.state !== "starting" && (r.lastError ?? "").length > 0, "the killed server to show as down with a reason");
  expect(["backoff", "failed"]).toContain(down1.state);
  expect(down1.reason).toMatch(/MCP server fx is down \((backoff|failed)\)/);
  // The restarts' own stderr line is the reason the user reads.
  await rowUntil(sb, "fx", (r) => (r.reason ?? "").includes("cannot open database"), "the failed restart's stderr line in the reason");
  const whyTools = await toolsJson(sb, "fx");
  expect(whyTools.find((t) => t.name === "echo")).toMatchObject({ offeredAs: null });
  expect(whyTools.find((t) => t.name === "echo")!.notes.map((n) => n.code)).toContain("source_down");

  const before = ai.requests.length;
  expect(await say("ada", "two")).toBe("no tools: two");
  const whileDown = ai.requests[before]!;
  expect(offeredNames(whileDown)).not.toContain("echo");
  expect(whileDown.body.tools).toBeUndefined();

  // Restarts succeed again: the tools come back.
  rmSync(crashIf);
  await rowUntil(sb, "fx", (r) => r.state === "ok" && r.offered > 0, "the restarted server to offer its tools again");
  const pid2 = await pidFrom(pidFile, pid);
  const back = ai.requests.length;
  expect(await say("ada", "three")).toBe("tool said: three");
  expect(offeredNames(ai.requests[back]!)).toContain("echo");

  // tools/list_changed: the follow-up request of the same turn already carries the new tool.
  expect(offeredNames(ai.requests.at(-1)!)).not.toContain("fresh_tool");
  const added = ai.requests.length;
  expect(await say("ada", "add fresh_tool")).toBe("tool said: added fresh_tool");
  expect(offeredNames(ai.requests[added]!)).not.toContain("fresh_tool");
  expect(offeredNames(ai.requests[added + 1]!)).toContain("fresh_tool");
  const next = ai.requests.length;
  expect(await say("ada", "four")).toBe("tool said: four");
  expect(offeredNames(ai.requests[next]!)).toContain("fresh_tool");
  // The server's stderr went into the log under its name.
  expect(logText(sb).split("\n").some((l) => l.includes("mcp:fx") && l.includes("cannot open database"))).toBe(true);

  await down(sb);
  await waitUntil(() => !alive(pid2), `the fixture (pid ${pid2}) to be gone after bosun down`, 5_000, 20);
  expect(alive(pid)).toBe(false);
}, 40_000);

test("a call timeout and invalid arguments come back to the model in the tool message; the step limit ends the reply with its line; the gateway keeps running", async () => {
  const { ai, sb, say } = await gateway(
    (url, port) => agentToml(url, { agent: "max_tool_steps = 2" }) + webhookToml(port) + fixtureToml("fx", {}, "call_timeout_ms = 300"),
    (r) => {
      const u = lastUser(r);
      const t = lastTool(r);
      if (u === "loop") return toolCalls([{ name: "echo", arguments: JSON.stringify({ text: `step ${r.n}` }) }]);
      if (t) return text(`tool said: ${String(t.content)}`);
      if (u === "slow") return toolCalls([{ name: "slow", arguments: JSON.stringify({ ms: 5_000 }) }]);
      if (u === "bad") return toolCalls([{ name: "echo", arguments: JSON.stringify({ text: 42 }) }]);
      return text(`echo: ${u}`);
    },
  );
  await rowUntil(sb, "fx", (r) => r.state === "ok", "the fixture to be up");

  const started = Date.now();
  const slow = await say("ada", "slow");
  expect(Date.now() - started).toBeLessThan(4_000);
  expect(slow).toMatch(/^tool said: .*(timed out|did not answer|timeout)/i);
  expect(slow).toContain("300");

  const bad = await say("bob", "bad");
  expect(bad).toMatch(/^tool said: .*arguments do not match the tool's input schema/);
  expect(bad).toContain("The tool was not called");
  const badStep = (await shownMessages(sb, "hook:bob")).find((m) => m.role === "tool")!;
  expect(badStep.tool).toMatchObject({ name: "echo", isError: true, arguments: JSON.stringify({ text: 42 }) });

  const asked = ai.requests.length;
  const loop = await say("cyd", "loop");
  // Two calls ran, then one last request without tools; the reply ends with the limit line.
  const loopRequests = ai.requests.slice(asked);
  expect(loopRequests.length).toBe(3);
  expect(loopRequests[2]!.body.tools).toBeUndefined();
  expect(loop).toMatch(/\[stopped after 2 tool calls: the limit set by \[agent\] max_tool_steps[^\]]*\]$/);
  const cydTools = (await shownMessages(sb, "hook:cyd")).filter((m) => m.role === "tool");
  expect(cydTools.length).toBe(2);

  // Still running, still answering, the server still up.
  expect((await status(sb)).gateway.state).toBe("running");
  expect(await say("dan", "hello")).toBe("echo: hello");
  expect((await integrationsJson(sb)).sources.find((s) => s.name === "fx")?.state).toBe("ok");
}, 30_000);
