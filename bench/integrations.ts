// Integrations figures (issue 12): what one tool call adds to a turn, over the real binary with a
// real MCP server (test/fixtures/mcp-fixture.mjs under node) and a local OpenAI-compatible model
// server (test/helpers/openai-server.ts) that both answer at once; and `bosun integrations` with
// 20 MCP servers of 50 tools each.
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { OpenAIServer, text, toolCalls, type SeenRequest } from "../test/helpers/openai-server.ts";
import { freePort, idleWindow, mustRun, percentile, progress, round, sleep } from "./lib.ts";
import { until, type Sandbox } from "./sandbox.ts";

const FIXTURE = resolve(import.meta.dir, "../test/fixtures/mcp-fixture.mjs");
/** The fixture lists 9 tools of its own; FIXTURE_TOOLS adds tool_0... */
const FIXTURE_OWN_TOOLS = 9;
const HOOK = "h1";
const SECRET = "bench-integrations-secret-0123456789";
const MODEL = "bench";

const r3 = (n: number) => Math.round(n * 1000) / 1000;
const stats = (xs: number[]) => ({ p50: r3(percentile(xs, 50)), p99: r3(percentile(xs, 99)), runs: xs.length });

function mcpTable(name: string, tools: number): string {
  const extra = Math.max(0, tools - FIXTURE_OWN_TOOLS);
  return `[integrations.mcp.${name}]\ncommand = ["node", ${JSON.stringify(FIXTURE)}]\nenv = { FIXTURE_TOOLS = "${extra}" }\nbackoff_initial_ms = 200\n`;
}

function config(port: number, modelUrl: string | null, servers: string[], cacheTtlMs?: number): string {
  const ttl = cacheTtlMs === undefined ? "" : `[integrations]\ncache_ttl_ms = ${cacheTtlMs}\n\n`;
  const agent = modelUrl ? `[agent]\nprovider = "openai"\nbase_url = "${modelUrl}"\nmodel = "${MODEL}"\n` : `[agent]\nprovider = "echo"\n`;
  return `${agent}\n[adapters.${HOOK}]\nkind = "webhook"\nlisten = "127.0.0.1:${port}"\nsecret = "${SECRET}"\n\n${ttl}${servers.join("\n")}`;
}

interface Row {
  name: string;
  state: string;
  tools: number;
  offered: number;
  cacheAgeMs: number | null;
}
const report = (bin: string, sb: Sandbox, args: string[] = []) => JSON.parse(mustRun(bin, ["integrations", ...args, "--json"], sb.opts).stdout) as { sources: Row[]; offered: number };

/**
 * Like mustRun, with stdout written to a file: `integrations tools --json` of 1,000 tools (~265 KB)
 * into a pipe sometimes comes back cut at 128 KiB (the CLI exits before the pipe drained).
 */
function runToFile(bin: string, args: string[], sb: Sandbox): { ms: number; stdout: string } {
  const file = join(sb.dir, "bench-stdout.json");
  const fd = openSync(file, "w");
  const t0 = performance.now();
  const r = spawnSync(bin, args, { cwd: sb.opts.cwd, env: sb.opts.env, stdio: ["ignore", fd, "pipe"], encoding: "utf8", timeout: 30_000 });
  const ms = performance.now() - t0;
  closeSync(fd);
  const stdout = readFileSync(file, "utf8");
  if (r.status !== 0) throw new Error(`\`bosun ${args.join(" ")}\` exited ${r.status}\nstdout: ${stdout.slice(0, 500)}\nstderr: ${r.stderr}`);
  return { ms, stdout };
}

/** Poll `integrations --json` until every source is `ok` with `tools` listed. */
async function allListed(bin: string, sb: Sandbox, sources: number, tools: number): Promise<void> {
  await until(
    `${sources} MCP servers running with ${tools} tools each`,
    () => {
      const r = report(bin, sb);
      return r.sources.length === sources && r.sources.every((s) => s.state === "ok" && s.tools === tools);
    },
    60_000,
    100,
  );
}

/** One signed webhook POST; resolves with its wall ms once the reply (checked) came back. */
async function turn(url: string, id: string, conversation: string, message: string, want: string): Promise<number> {
  const body = JSON.stringify({ id, conversation, user: "bench", text: message });
  const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
  const t0 = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "X-Bosun-Signature": signature }, body, signal: AbortSignal.timeout(10_000) });
  const got = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`HTTP ${res.status} for "${message}": ${got.slice(0, 300)}`);
  const reply = String((JSON.parse(got) as { reply?: unknown }).reply ?? "");
  if (!reply.includes(want)) throw new Error(`reply to "${message}" does not contain "${want}": ${got.slice(0, 300)}`);
  return ms;
}

/**
 * The model: a turn whose message starts with "tool" first gets a streamed call of `echo` with the
 * message as its text, then (the last message being the tool's result) the text "done: RESULT";
 * any other message gets "done: MESSAGE" at once. Each request's time inside the server (from its
 * body parsed to its response ended) is kept per request.
 */
function scriptModel(server: OpenAIServer): { serverMs: Map<SeenRequest, number> } {
  const started = new Map<SeenRequest, number>();
  const serverMs = new Map<SeenRequest, number>();
  server.on(MODEL, (req) => {
    started.set(req, performance.now());
    const messages = (req.body.messages ?? []) as Array<{ role: string; content?: unknown }>;
    const last = messages.at(-1);
    if (last?.role === "tool") return text(`done: ${String(last.content)}`);
    const user = String(messages.findLast((m) => m.role === "user")?.content ?? "");
    if (user.startsWith("tool")) return toolCalls([{ name: "echo", arguments: JSON.stringify({ text: user }) }]);
    return text(`done: ${user}`);
  });
  // `until` checks its predicate after every response end: a predicate that never holds is a
  // hook on every request's end, without touching the test server.
  void server.until(() => {
    for (const [req, t] of started) {
      if (!req.completed) continue;
      serverMs.set(req, performance.now() - t);
      started.delete(req);
    }
    return false;
  });
  return { serverMs };
}

/** `calls` sequential `tools/call echo` from this process to the same fixture over stdio (the SDK client, as the gateway uses it). */
async function directMcpCalls(calls: number, warmup: number): Promise<{ p50: number; p99: number; runs: number }> {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command: "node", args: [FIXTURE], stderr: "ignore" }));
  try {
    const one = async (i: number) => {
      const t0 = performance.now();
      const r = await client.callTool({ name: "echo", arguments: { text: `direct ${i}` } });
      const ms = performance.now() - t0;
      if (r.isError) throw new Error(`direct echo call failed: ${JSON.stringify(r)}`);
      return ms;
    };
    for (let i = 0; i < warmup; i++) await one(i);
    const times: number[] = [];
    for (let i = 0; i < calls; i++) times.push(await one(i));
    return stats(times);
  } finally {
    await client.close();
  }
}

export interface ToolCallFigures {
  turns: number;
  /** Webhook POST to reply, a turn the model answers at once (one model request; the tools are offered). */
  plainTurnMs: { p50: number; p99: number; runs: number };
  /** The same with one tool call: two model requests and one MCP call. */
  toolTurnMs: { p50: number; p99: number; runs: number };
  /** p50 and p99 of (tool turn - the plain turn measured next to it), pairwise. */
  addedPerTurnMs: { p50: number; p99: number; runs: number };
  /** Time inside the model server per request (body parsed -> response ended), and of the second request of a tool turn. */
  modelServerMs: { plain: { p50: number; p99: number; runs: number }; toolTurnBoth: { p50: number; p99: number; runs: number } };
  /** addedPerTurnMs minus the model server's extra time (the tool turn's two requests minus the plain turn's one), pairwise. */
  addedMinusModelMs: { p50: number; p99: number; runs: number };
  /** tools/call echo from the bench process to the same fixture with the SDK client: the MCP transport and server, without the gateway. */
  directMcpCallMs: { p50: number; p99: number; runs: number };
  /** The hub's own duration of each call as stored in the transcript (whole ms: validation, lookup, the MCP call, redaction), counts by value. */
  stepDurationMs: Record<string, number>;
  /** Estimate of the gateway's share: addedMinusModel p50 minus directMcpCall p50 (the agent's second provider call, the tool step stored, the hub's run). */
  gatewayShareP50Ms: number;
  /** Plain turns on a gateway without [integrations] (nothing offered: the agent's fast path). */
  noIntegrationsTurnMs: { p50: number; p99: number; runs: number };
}

/**
 * A webhook adapter, the OpenAI provider pointed at the local model server, one MCP server (the
 * fixture, 9 tools). Turns alternate, one at a time: a plain one, then one with a tool call, each
 * in its own conversation among 100, so both see the same history depth and drift hits both alike.
 */
export async function benchToolCall(sb: Sandbox, bin: string, turns: number, warmup: number): Promise<ToolCallFigures> {
  const model = await OpenAIServer.start();
  const { serverMs } = scriptModel(model);
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    // The baseline first: the same model server, no integrations.
    sb.writeConfig(config(port, model.url, []));
    sb.up();
    for (let i = 0; i < warmup; i++) await turn(url, `nw${i}`, `n${i % 100}`, `none ${i}`, `done: none ${i}`);
    const none: number[] = [];
    for (let i = 0; i < turns; i++) none.push(await turn(url, `n${i}`, `n${i % 100}`, `none ${i}`, `done: none ${i}`));
    sb.down();

    sb.writeConfig(config(port, model.url, [mcpTable("fx", FIXTURE_OWN_TOOLS)]));
    sb.up();
    await allListed(bin, sb, 1, FIXTURE_OWN_TOOLS);
    progress(`integrations: ${warmup} warm-up pairs, then ${turns} pairs of plain / tool-call turns`);
    const pair = async (label: string, i: number) => {
      const a = model.requests.length;
      const plain = await turn(url, `${label}p${i}`, `p${i % 100}`, `plain ${label}${i}`, `done: plain ${label}${i}`);
      const b = model.requests.length;
      const tool = await turn(url, `${label}t${i}`, `t${i % 100}`, `tool ${label}${i}`, `done: tool ${label}${i}`);
      const c = model.requests.length;
      if (b - a !== 1 || c - b !== 2) throw new Error(`expected 1 and 2 model requests, saw ${b - a} and ${c - b}`);
      return { plain, tool, plainReqs: model.requests.slice(a, b), toolReqs: model.requests.slice(b, c) };
    };
    for (let i = 0; i < warmup; i++) await pair("w", i);
    const plain: number[] = [];
    const tool: number[] = [];
    const added: number[] = [];
    const addedMinusModel: number[] = [];
    const modelPlain: number[] = [];
    const modelTool: number[] = [];
    for (let i = 0; i < turns; i++) {
      const p = await pair("m", i);
      const mp = p.plainReqs.map((r) => serverMs.get(r) ?? NaN).reduce((x, y) => x + y, 0);
      const mt = p.toolReqs.map((r) => serverMs.get(r) ?? NaN).reduce((x, y) => x + y, 0);
      if (!Number.isFinite(mp + mt)) throw new Error("a model request's server time was not recorded");
      plain.push(p.plain);
      tool.push(p.tool);
      added.push(p.tool - p.plain);
      modelPlain.push(mp);
      modelTool.push(mt);
      addedMinusModel.push(p.tool - p.plain - (mt - mp));
    }
    // The hub's own figure for each call (validation, lookup, the MCP call, redaction; whole ms), from
    // the stored tool steps (the log collapses repeated identical lines, so it undercounts).
    const stepDurationMs: Record<string, number> = {};
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(collect);
      if (v === null || typeof v !== "object") return;
      const o = v as Record<string, unknown>;
      if (typeof o.durationMs === "number" && o.source === "fx") stepDurationMs[String(o.durationMs)] = (stepDurationMs[String(o.durationMs)] ?? 0) + 1;
      else Object.values(o).forEach(collect);
    };
    for (let k = 0; k < Math.min(100, turns + warmup); k++) collect(JSON.parse(mustRun(bin, ["sessions", "show", `${HOOK}:t${k}`, "--json"], sb.opts).stdout));
    sb.down();
    progress(`integrations: ${turns} direct MCP calls from the bench process`);
    const direct = await directMcpCalls(turns, warmup);
    const amm = stats(addedMinusModel);
    return {
      turns,
      plainTurnMs: stats(plain),
      toolTurnMs: stats(tool),
      addedPerTurnMs: stats(added),
      modelServerMs: { plain: stats(modelPlain), toolTurnBoth: stats(modelTool) },
      addedMinusModelMs: amm,
      directMcpCallMs: direct,
      stepDurationMs,
      gatewayShareP50Ms: r3(amm.p50 - direct.p50),
      noIntegrationsTurnMs: stats(none),
    };
  } finally {
    await model.close();
  }
}

export interface ListingFigures {
  sources: number;
  toolsEach: number;
  /** [integrations] cache_ttl_ms of this gateway: a cold call is made once it ran out. */
  cacheTtlMs: number;
  /** The first `integrations --json` right after `up` returned (servers may still be starting), and how many rows were `ok` then. */
  firstAfterUp: { ms: number; okRows: number };
  /** `integrations --json` after the TTL ran out (every server listed again), and right after it (every entry cached). */
  lsColdMs: { median: number; p90: number; runs: number };
  lsWarmMs: { median: number; p90: number; runs: number };
  /** `integrations --refresh --json`: the cache dropped and every server listed again. */
  lsRefreshMs: { median: number; p90: number; runs: number };
  /** `integrations tools --json` (every tool with its notes), after the TTL ran out and right after. */
  toolsColdMs: { median: number; p90: number; runs: number };
  toolsWarmMs: { median: number; p90: number; runs: number };
  /** Offered total (against max_tools) and the tools report's length, as a check. */
  offered: number;
  toolReports: number;
  toolsJsonKb: number;
  /** `status --json` with the 20 sources (it carries their rows). */
  statusMs: { median: number; p90: number; runs: number };
  /** Gateway VmRSS (not the servers') after the idle window: with the servers listed, and with none. */
  idleRssMb: { withSources: number; none: number };
  idleCpuPercent: { withSources: number; none: number };
}

/** `sources` MCP servers (fixture processes under node) of `toolsEach` tools each behind one gateway (echo provider). */
export async function benchListing(sb: Sandbox, bin: string, sources: number, toolsEach: number, runs: number, idleMs: number): Promise<ListingFigures> {
  const port = await freePort();
  const ttl = 1_500;
  const summary = (xs: number[]) => ({ median: round(percentile(xs, 50)), p90: round(percentile(xs, 90)), runs: xs.length });
  const run = (args: string[]) => mustRun(bin, args, sb.opts);
  sb.writeConfig(config(port, null, []));
  progress(`integrations: idle ${idleMs / 1000} s with no sources`);
  const none = await idleWindow(sb.up().pid, idleMs);
  sb.down();

  const names = Array.from({ length: sources }, (_, i) => `s${String(i + 1).padStart(2, "0")}`);
  sb.writeConfig(config(port, null, names.map((n) => mcpTable(n, toolsEach)), ttl));
  const { pid } = sb.up();
  const first = run(["integrations", "--json"]);
  const firstRows = (JSON.parse(first.stdout) as { sources: Row[] }).sources;
  await allListed(bin, sb, sources, toolsEach);
  progress(`integrations: ${sources} servers x ${toolsEach} tools listed; ls and tools x${runs}, cold (TTL ${ttl} ms ran out) and warm`);
  const all = (stdout: string) => {
    const r = JSON.parse(stdout) as { sources: Row[]; offered: number };
    if (r.sources.filter((s) => s.state === "ok" && s.tools === toolsEach).length !== sources) throw new Error(`a listing without every server: ${stdout.slice(0, 500)}`);
    return r;
  };
  const f = { lsCold: [] as number[], lsWarm: [] as number[], lsRefresh: [] as number[], toolsCold: [] as number[], toolsWarm: [] as number[], status: [] as number[] };
  let offered = 0;
  let toolReports = 0;
  let toolsJsonKb = 0;
  for (let i = 0; i < runs; i++) {
    await sleep(ttl + 100);
    const cold = run(["integrations", "--json"]);
    offered = all(cold.stdout).offered;
    f.lsCold.push(cold.ms);
    const warm = run(["integrations", "--json"]);
    if (all(warm.stdout).sources.some((s) => s.cacheAgeMs === null || s.cacheAgeMs < 5)) throw new Error(`a warm listing was not from the cache: ${warm.stdout.slice(0, 500)}`);
    f.lsWarm.push(warm.ms);
    const refresh = run(["integrations", "--refresh", "--json"]);
    all(refresh.stdout);
    f.lsRefresh.push(refresh.ms);
    f.status.push(run(["status", "--json"]).ms);
  }
  for (let i = 0; i < runs; i++) {
    await sleep(ttl + 100);
    const cold = runToFile(bin, ["integrations", "tools", "--json"], sb);
    const list = JSON.parse(cold.stdout) as unknown[];
    if (list.length !== sources * toolsEach) throw new Error(`tools --json listed ${list.length} tools, not ${sources * toolsEach}`);
    toolReports = list.length;
    toolsJsonKb = round(cold.stdout.length / 1024);
    f.toolsCold.push(cold.ms);
    f.toolsWarm.push(runToFile(bin, ["integrations", "tools", "--json"], sb).ms);
  }
  progress(`integrations: idle ${idleMs / 1000} s with ${sources} servers`);
  const busy = await idleWindow(pid, idleMs);
  if (report(bin, sb).sources.some((s) => s.state !== "ok")) throw new Error("a server left `ok` during the idle window");
  sb.down();
  return {
    sources,
    toolsEach,
    cacheTtlMs: ttl,
    firstAfterUp: { ms: round(first.ms), okRows: firstRows.filter((s) => s.state === "ok").length },
    lsColdMs: summary(f.lsCold),
    lsWarmMs: summary(f.lsWarm),
    lsRefreshMs: summary(f.lsRefresh),
    toolsColdMs: summary(f.toolsCold),
    toolsWarmMs: summary(f.toolsWarm),
    offered,
    toolReports,
    toolsJsonKb,
    statusMs: summary(f.status),
    idleRssMb: { withSources: busy.rssMb, none: none.rssMb },
    idleCpuPercent: { withSources: busy.cpuPercent, none: none.cpuPercent },
  };
}
