// "Why can't the bot see my tool?" against the real binary: one gateway with four SDK fixture
// servers and Composio, where every reason a tool is not offered (or offered under another name)
// shows in `bosun integrations tools --json` and its table, `bosun integrations` says
// not_connected for a toolkit without an account, and the model request carries exactly the tools
// the listing says are offered.
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ToolNoteCode, ToolReport } from "../../src/core/integrations/types.ts";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { ComposioServer, unauthorized } from "../helpers/composio-server.ts";
import { OpenAIServer, text } from "../helpers/openai-server.ts";
import { agentToml, postWebhook, upDetached, webhookToml } from "./exactly-once-helpers.ts";
import { fixtureToml, integrationsJson, offeredNames, pidFrom, rowUntil, toolsJson } from "./integrations-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const KEY = "ck_why_test_key_0123456789";
const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;

test("every reason a tool is not offered shows in `integrations tools` (JSON and table); the request carries exactly the offered tools", async () => {
  const cs = await ComposioServer.start(KEY);
  cleanups.push(() => cs.close());
  cs.addAccount("github", "ACTIVE");
  cs.addTool("github", "GITHUB_LIST_ISSUES");
  cs.addTool("gmail", "GMAIL_SEND_EMAIL");
  const ai = await OpenAIServer.start();
  cleanups.push(() => ai.close());
  ai.on("m", () => text("ok"));
  const port = await freePort();
  const sb = sandbox({ COMPOSIO_API_KEY: KEY });
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  const pidFile = join(sb.dir, "delta.pid");
  const crashIf = join(sb.dir, "delta-crash");
  sb.writeConfig(
    agentToml(ai.url) +
      webhookToml(port) +
      // Offer order: alpha, beta, composio, delta, gamma (by source name); 9 candidates, 6 offered.
      `[integrations]\nmax_tools = 6\n` +
      `[integrations.composio]\napi_key = "\${COMPOSIO_API_KEY}"\ntoolkits = ["github", "gmail"]\nbase_url = "${cs.url}"\n` +
      fixtureToml("alpha", { FIXTURE_NAMES: "dotted.name", FIXTURE_BAD_SCHEMA: "1" }, `allow = ${list(["echo", "slow", "throw", "dotted.*", "bad_schema"])}\ndeny = ${list(["throw"])}\n`) +
      fixtureToml("beta", {}, `allow = ${list(["echo"])}\n`) +
      fixtureToml("delta", { FIXTURE_PID_FILE: pidFile, FIXTURE_CRASH_IF: crashIf }, `allow = ${list(["stderr"])}\n`) +
      fixtureToml("gamma", { FIXTURE_TOOLS: "3" }, `allow = ${list(["tool_*"])}\n`),
  );
  await upDetached(sb);
  for (const name of ["alpha", "beta", "delta", "gamma", "composio:github"]) await rowUntil(sb, name, (r) => r.state === "ok", `${name} to be ok`);

  const codes = (t: ToolReport | undefined) => t?.notes.map((n) => n.code) ?? ["<no such tool>"];
  const find = (ts: ToolReport[], source: string, name: string) => ts.find((t) => t.source === source && t.name === name);
  const tools = await toolsJson(sb);
  expect(find(tools, "alpha", "echo")).toMatchObject({ offeredAs: "echo", notes: [] });
  expect(find(tools, "alpha", "mixed")).toMatchObject({ offeredAs: null });
  expect(codes(find(tools, "alpha", "mixed"))).toEqual(["not_allowed"]);
  expect(codes(find(tools, "alpha", "throw"))).toEqual(["denied"]);
  expect(find(tools, "alpha", "bad_schema")?.offeredAs).toBeNull();
  expect(codes(find(tools, "alpha", "bad_schema"))).toEqual(["schema_rejected"]);
  // Renamed: a "." the provider refuses, and a name another source already has.
  expect(find(tools, "alpha", "dotted.name")).toMatchObject({ offeredAs: "dotted_name" });
  expect(codes(find(tools, "alpha", "dotted.name"))).toEqual(["renamed"]);
  expect(find(tools, "beta", "echo")).toMatchObject({ offeredAs: "beta_echo" });
  expect(codes(find(tools, "beta", "echo"))).toEqual(["renamed"]);
  expect(find(tools, "beta", "echo")!.notes[0]!.message).toContain("another tool already has the name echo");
  expect(find(tools, "composio", "GITHUB_LIST_ISSUES")).toMatchObject({ toolkit: "github", offeredAs: "GITHUB_LIST_ISSUES" });
  // The limit: alpha's 3, beta's 1, composio's 1 and delta's 1 fill it; gamma's 3 are over.
  // Names are given over every known tool: alpha's stderr (not allowed there) keeps its name, so
  // delta's is renamed and keeps that name whatever alpha's allow list says.
  expect(find(tools, "delta", "stderr")?.offeredAs).toBe("delta_stderr");
  expect(["tool_0", "tool_1", "tool_2"].map((n) => codes(find(tools, "gamma", n)))).toEqual([["over_limit"], ["over_limit"], ["over_limit"]]);
  expect(find(tools, "gamma", "tool_0")!.notes[0]!.message).toContain("max_tools");

  // The model is offered exactly what the listing says.
  expect((await postWebhook(port, { id: "1", conversation: "ada", text: "hi" }))?.body?.reply).toBe("ok");
  const offered = tools.filter((t) => t.offeredAs !== null).map((t) => t.offeredAs!);
  expect(offered.length).toBe(6);
  expect(offeredNames(ai.requests.at(-1)!).sort()).toEqual([...offered].sort());

  // A toolkit without an account: not_connected on its row (Composio lists no tools for it).
  const rows = await integrationsJson(sb);
  expect(rows.sources.find((s) => s.name === "composio:gmail")).toMatchObject({ state: "not_connected", tools: 0 });
  expect(rows.sources.find((s) => s.name === "composio:gmail")!.reason).toContain("bosun integrations connect gmail");
  const lsTable = await sb.runAsync(["integrations"]);
  expect(lsTable.stdout).toMatch(/composio:gmail\s+composio\s+not_connected\s+0\/0 .*not connected at Composio \(no account\)/);

  // delta goes down (killed, restarts failing): its known tool is source_down.
  writeFileSync(crashIf, "");
  process.kill(await pidFrom(pidFile), "SIGKILL");
  await rowUntil(sb, "delta", (r) => r.state === "backoff" || r.state === "failed", "delta to be down");
  // Composio's key stops working: after a refresh nothing of it is cached, its known tool is unavailable.
  for (let i = 0; i < 40; i++) cs.fail(null, /./, unauthorized());
  await integrationsJson(sb, "--refresh");
  const after = await toolsJson(sb);
  expect(codes(find(after, "delta", "stderr"))).toEqual(["source_down"]);
  expect(find(after, "delta", "stderr")!.notes[0]!.message).toMatch(/MCP server delta is (starting|down \(backoff\)|down \(failed\))/);
  expect(codes(find(after, "composio", "GITHUB_LIST_ISSUES"))).toEqual(["unavailable"]);
  expect(find(after, "composio", "GITHUB_LIST_ISSUES")!.notes[0]!.message).toContain("Invalid API key");
  // With two fewer candidates, gamma's first tool fits again.
  expect(find(after, "gamma", "tool_0")?.offeredAs).toBe("tool_0");

  const every = new Set(after.flatMap((t) => t.notes.map((n) => n.code)));
  expect([...every].sort()).toEqual((["denied", "not_allowed", "over_limit", "renamed", "schema_rejected", "source_down", "unavailable"] satisfies ToolNoteCode[]).sort());
  const table = await sb.runAsync(["integrations", "tools"]);
  expect(table.code).toBe(0);
  for (const words of ["not allowed:", "denied:", "schema rejected:", "over limit:", "renamed:", "source down:", "unavailable:"]) expect(table.stdout).toContain(words);
  expect(table.stdout).toMatch(/dotted_name\s+alpha\s+dotted\.name\s+renamed:/);
  expect(table.stdout).toMatch(/—\s+alpha\s+bad_schema\s+schema rejected: its input schema is invalid/);
  expect(table.stdout).not.toContain(KEY);
}, 40_000);
