// The Integrations pane: every source's row read from the gateway (at once, then on its poll, and
// replaced by integrations.state events), r refreshing the whole cache, Enter for a source's
// tools with every reason a tool is not offered, esc back, and what it says when it cannot read.
import { afterEach, describe, expect, test } from "bun:test";
import chalk from "chalk";
import { cleanup, render } from "ink-testing-library";
import type { IntegrationsQuery, IntegrationToolsQuery } from "../../src/core/control/api.ts";
import { EventBus } from "../../src/core/events.ts";
import type { IntegrationsReport, SourceReport, ToolReport } from "../../src/core/integrations/types.ts";
import { App } from "../../src/tui/App.tsx";
import type { DashboardSource, IntegrationReads } from "../../src/tui/source.ts";
import { Redactor } from "../../src/core/util/redact.ts";
import { attachedSource } from "../../src/cli/attached-source.ts";
import type { GatewayApi } from "../../src/core/control/api.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { plain, press, runningStatus, waitForFrame, waitForMatch, waitUntil } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");

function row(patch: Partial<SourceReport> & Pick<SourceReport, "name">): SourceReport {
  return { kind: "mcp", state: "ok", tools: 3, offered: 3, cacheAgeMs: 12_000, reason: null, restarts: 0, lastError: null, ...patch };
}

const TOOLS: Record<string, ToolReport[]> = {
  files: [
    { source: "files", name: "read_text_file", offeredAs: "read_text_file", description: "Read a file \u001b]0;pwned\u0007", notes: [] },
    { source: "files", name: "search", offeredAs: "files_search", notes: [{ code: "renamed", message: 'renamed from "search": the name is also offered by search' }] },
    { source: "files", name: "write_file", offeredAs: null, notes: [{ code: "denied", message: 'matched deny = ["write_file"] of [integrations.mcp.files]' }] },
    { source: "files", name: "move_file", offeredAs: null, notes: [{ code: "not_allowed", message: 'not in allow = ["read_*"]' }, { code: "over_limit", message: "over the provider's limit of 128 tools" }] },
  ],
  search: [{ source: "search", name: "query", offeredAs: null, notes: [{ code: "source_down", message: "server down: connect ECONNREFUSED 127.0.0.1:8931" }] }],
};

/** A gateway's integrations as the pane reads them: a report it can change, and every call made. */
function fakeGateway() {
  const g = {
    sources: [
      row({ name: "files", tools: 4, offered: 2, reason: "2 not offered: filtered by allow/deny" }),
      row({ name: "search", state: "failed", tools: 1, offered: 0, cacheAgeMs: null, reason: "server down: connect ECONNREFUSED 127.0.0.1:8931", restarts: 5 }),
      row({ name: "composio:gmail", kind: "composio", state: "not_connected", tools: 0, offered: 0, cacheAgeMs: 65_000, reason: "no active account at Composio: bosun integrations connect gmail" }),
    ],
    calls: [] as IntegrationsQuery[],
    toolCalls: [] as string[],
    fail: null as string | null,
    refreshFail: null as string | null,
    tools: TOOLS,
  };
  let made = 0;
  const reads: IntegrationReads = {
    async integrations(req = {}) {
      g.calls.push(req);
      if (g.fail) throw new Error(g.fail);
      if (req.refresh && g.refreshFail) throw new Error(g.refreshFail);
      const offered = g.sources.reduce((n, s) => n + s.offered, 0);
      // Each report is newer than the last, as the gateway's clock makes them.
      const report: IntegrationsReport = { sources: g.sources.map((s) => ({ ...s })), offered, maxTools: 128, at: new Date(T0 + made++).toISOString() };
      return report;
    },
    async integrationTools(req: IntegrationToolsQuery = {}) {
      g.toolCalls.push(req.source ?? "");
      const t = g.tools[req.source ?? ""];
      if (!t) throw new Error(`no integration named "${req.source}"`);
      return t.map((x) => ({ ...x }));
    },
  };
  return { g, reads };
}

function mount(opts: { pollMs?: number; reads?: IntegrationReads | null } = {}) {
  const fake = fakeGateway();
  const now = () => T0;
  const bus = new EventBus({ now });
  const status = runningStatus({ startedAt: new Date(T0 - 65_000).toISOString() });
  const base = inProcessSource(bus, () => status);
  const reads = opts.reads === undefined ? fake.reads : opts.reads;
  const source = { ...base, integrations: reads ?? undefined };
  const r = render(<App source={source} version="0.1.0" now={now} tickMs={20} integrationsPollMs={opts.pollMs ?? 60_000} />);
  return { ...r, ...fake, bus, frame: () => plain(r.lastFrame()) };
}

const level = chalk.level;
afterEach(() => {
  chalk.level = level;
  cleanup();
});

const line = (frame: string | undefined, text: string) => (frame ?? "").split("\n").find((l) => l.includes(text)) ?? "";

describe("integrations pane", () => {
  test("rows from the gateway's report: name, state in its colour, offered/listed, cache age and the reason", async () => {
    chalk.level = 1;
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    const f = await press(m, "4", "composio:gmail");
    expect(f).toMatch(/NAME\s+STATE\s+OFFERED\s+CACHED\s+REASON/);
    expect(f).toContain("2 of 128 tools offered to the model");
    expect(f).toMatch(/›\s*files\s+ok\s+2\/4\s+12s\s+2 not offered: filtered/);
    expect(f).toMatch(/search\s+failed\s+0\/1\s+—\s+server down: connect ECONNREFUSED/);
    expect(f).toMatch(/composio:gmail\s+not_connected\s+0\/0\s+1m 05s\s+no active account/);
    // ok is green, failed red, not_connected yellow; the reason is dim.
    expect(line(m.lastFrame(), "files")).toContain("\u001b[32mok");
    expect(line(m.lastFrame(), "search")).toContain("\u001b[31mfailed");
    expect(line(m.lastFrame(), "composio:gmail")).toContain("\u001b[33mnot_connected");
    expect(line(m.lastFrame(), "composio:gmail")).toContain("\u001b[2mno active account");
    expect(f).toContain("enter tools · r refresh");
    // The read is a listing of connections: the gateway was asked, without refresh.
    expect(m.g.calls[0]).toEqual({});
  });

  test("the open pane reads the gateway on its poll: a toolkit connected at Composio shows without a key", async () => {
    const m = mount({ pollMs: 30 });
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "4", "composio:gmail");
    m.g.sources[2] = row({ name: "composio:gmail", kind: "composio", state: "ok", tools: 40, offered: 40, cacheAgeMs: 0 });
    await waitForMatch(m, /composio:gmail\s+ok\s+40\/40/);
    await waitUntil(() => m.g.calls.length >= 3, () => `only ${m.g.calls.length} reads`);
    expect(m.g.calls.every((c) => !c.refresh)).toBe(true);
  });

  test("no reads while another pane shows", async () => {
    const m = mount({ pollMs: 20 });
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "4", "composio:gmail");
    await press(m, "5", "Logs");
    await waitForFrame(m.lastFrame, "composio:gmail", true);
    const after = m.g.calls.length;
    // Ten poll periods on the Logs pane: the poll of a hidden pane is off (one read may still
    // start in the moment between the frame drawn and React's effects cleaned up).
    await new Promise((r) => setTimeout(r, 200));
    expect(m.g.calls.length - after).toBeLessThanOrEqual(1);
  });

  test("an integrations.state event replaces the rows between polls", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "4", "composio:gmail");
    m.bus.emit({ type: "integrations.state", integrations: [row({ name: "files", state: "backoff", tools: 4, offered: 0, reason: "restarting: exited with code 1" })] });
    const f = await waitForMatch(m, /files\s+backoff\s+0\/4\s+12s\s+restarting: exited with code 1/);
    expect(f).not.toContain("composio:gmail");
    expect(m.g.calls.length).toBe(1);
  });

  test("r refreshes (the whole cache dropped) and says so in the footer; a failed refresh says why", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "4", "composio:gmail");
    m.g.sources.pop();
    await press(m, "r", "integrations refreshed: 2 sources, 2 of 128 tools offered");
    expect(m.g.calls.at(-1)).toEqual({ refresh: true });
    await waitForFrame(m.lastFrame, "composio:gmail", true);
    m.g.refreshFail = "gateway stopped";
    await press(m, "r", "refresh failed: gateway stopped");
  });

  test("enter shows a source's tools: the name the model sees, the name at the source, every note; esc goes back", async () => {
    chalk.level = 1;
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "4", "composio:gmail");
    const t = await press(m, "\r", "write_file");
    expect(t).toMatch(/files\s+ok\s+2 of 4 tools offered · cached 12s ago/);
    expect(t).toContain("2 not offered: filtered by allow/deny");
    expect(t).toContain("read_text_file  Read a file \\u001b]0;pwned\\u0007");
    expect(m.lastFrame()).not.toContain("\u001b]0;");
    expect(t).toContain("files_search  at the source: search");
    expect(t).toContain('    renamed: renamed from "search"');
    expect(t).toMatch(/not offered\s+write_file\n\s+denied: matched deny = \["write_file"\]/);
    expect(t).toMatch(/not offered\s+move_file\n\s+not_allowed: not in allow = \["read_\*"\]\n\s+over_limit: over the provider's limit of 128 tools/);
    expect(line(m.lastFrame(), "write_file")).toContain("\u001b[33mnot offered");
    expect(t).toContain("esc back");
    expect(m.g.toolCalls).toEqual(["files"]);
    // Events arriving do not close it (a log line, then new rows: seen once its header shows them).
    m.bus.emit({ type: "log", level: "info", tag: "mcp:files", message: "listed 4 tools" });
    m.bus.emit({ type: "integrations.state", integrations: m.g.sources.map((x) => (x.name === "files" ? { ...x, state: "backoff" as const } : x)) });
    await waitForMatch(m, /files\s+backoff\s+2 of 4 tools offered/);
    expect(m.frame()).toContain("write_file");
    const back = await press(m, "\u001b", "REASON");
    expect(back).toContain("composio:gmail");
    // j then enter: the down server's tool says why.
    m.stdin.write("j");
    await waitForMatch(m, /›\s*search\s+failed/);
    const s = await press(m, "\r", "source_down: server down: connect ECONNREFUSED 127.0.0.1:8931");
    expect(s).toMatch(/search\s+failed\s+0 of 1 tools offered/);
  });

  test("a long list scrolls with j, and a long note wraps instead of being cut", async () => {
    const m = mount();
    m.g.tools.files = Array.from({ length: 40 }, (_, i) => ({ source: "files", name: `tool_${i}`, offeredAs: `tool_${i}`, notes: [] }));
    m.g.tools.files.push({ source: "files", name: "last_tool", offeredAs: null, notes: [{ code: "schema_rejected", message: `its inputSchema is not a JSON Schema object: ${"the type must be object ".repeat(8)}END` }] });
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "4", "composio:gmail");
    const t = await press(m, "\r", "more below (j)");
    expect(t).toContain("tool_0");
    expect(t).not.toContain("last_tool");
    for (let i = 0; i < 40; i++) m.stdin.write("j");
    const end = await waitForFrame(m.lastFrame, "END");
    expect(end).toContain("last_tool");
    expect(end).toContain("schema_rejected: its inputSchema");
    expect(end).not.toContain("tool_0\n");
    expect(end).not.toContain("more below");
  });

  test("a poll that fails says so in red and keeps the rows last read; a tools read that fails too", async () => {
    const m = mount({ pollMs: 30 });
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "4", "composio:gmail");
    m.g.fail = "connect ENOENT /run/bosun.sock";
    const f = await waitForFrame(m.lastFrame, "cannot read integrations: connect ENOENT /run/bosun.sock");
    expect(f).toContain("composio:gmail");
    m.g.fail = null;
    await waitForFrame(m.lastFrame, "cannot read integrations", true);
    delete m.g.tools.files;
    await press(m, "\r", 'cannot read its tools: no integration named "files"');
  });

  test("empty states: nothing configured says which tables to add; no reads says where to look", async () => {
    const m = mount();
    m.g.sources = [];
    await waitForFrame(m.lastFrame, "● running");
    const f = await press(m, "4", "No integrations configured");
    expect(f.replace(/\s+/g, " ")).toContain("add [integrations.composio] (api_key, toolkits) or [integrations.mcp.NAME] (command or url) to bosun.toml");
    cleanup();
    const n = mount({ reads: null });
    await waitForFrame(n.lastFrame, "● running");
    await press(n, "4", "This dashboard cannot read integrations; `bosun integrations` lists them.");
  });

  test("without the gateway the pane says the rows are as last read", async () => {
    const { reads } = fakeGateway();
    let lose = () => {};
    const source: DashboardSource = {
      mode: "attached",
      integrations: reads,
      subscribe(listener, onConnection) {
        listener({ type: "snapshot", at: new Date(T0).toISOString(), status: runningStatus() });
        onConnection?.(true);
        lose = () => onConnection?.(false);
        return () => {};
      },
    };
    const r = render(<App source={source} version="0.1.0" now={() => T0} tickMs={20} integrationsPollMs={60_000} />);
    await waitForFrame(r.lastFrame, "● running");
    await press(r, "4", "composio:gmail");
    lose();
    const f = await waitForFrame(r.lastFrame, "no gateway connection: the rows are as last read");
    expect(f).toContain("composio:gmail");
  });

  test("the in-process dashboard reads through the gateway API, redacted: a secret a server echoes is hidden", async () => {
    const secret = "hunter2-search-token";
    const redactor = new Redactor();
    redactor.set([secret]);
    const bus = new EventBus({ now: () => T0 });
    const status = runningStatus();
    const asked: Array<string | undefined> = [];
    const source = inProcessSource(bus, () => status, undefined, redactor, {
      report: async () => ({ sources: [row({ name: "search", state: "failed", reason: `401 for Authorization: ${secret}` })], offered: 0, maxTools: 128, at: new Date(T0).toISOString() }),
      tools: async (src) => {
        asked.push(src);
        return [{ source: "search", name: "query", offeredAs: null, notes: [{ code: "source_down", message: `server down: 401 (${secret})` }] }];
      },
    });
    const r = render(<App source={source} version="0.1.0" now={() => T0} tickMs={20} integrationsPollMs={60_000} />);
    await waitForFrame(r.lastFrame, "● running");
    expect(await press(r, "4", "401 for Authorization: [redacted]")).not.toContain(secret);
    expect(await press(r, "\r", "source_down: server down: 401 ([redacted])")).not.toContain(secret);
    expect(asked).toEqual(["search"]);
  });

  test("an attached dashboard reads integrations through the gateway's client", async () => {
    const { g, reads } = fakeGateway();
    // Only the two reads are asked of the client.
    const source = attachedSource(() => reads as GatewayApi);
    expect((await source.integrations!.integrations({ refresh: true })).sources.map((x) => x.name)).toEqual(["files", "search", "composio:gmail"]);
    expect(g.calls).toEqual([{ refresh: true }]);
    expect((await source.integrations!.integrationTools({ source: "search" }))[0]!.notes[0]!.code).toBe("source_down");
  });
});
