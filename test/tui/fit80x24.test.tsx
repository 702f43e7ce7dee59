import { afterEach, describe, expect, test } from "bun:test";
import type { Instance } from "ink";
import { EventBus } from "../../src/core/events.ts";
import type { Status } from "../../src/core/status.ts";
import { App } from "../../src/tui/App.tsx";
import { type DashboardActions, type IntegrationReads } from "../../src/tui/source.ts";
import type { SourceReport } from "../../src/core/integrations/types.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { fakeTerminal } from "./fakeTerminal.ts";
import { CATALOG, MiB, plain, renderInTerminal, runningStatus, waitForInput, waitUntil } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const COLS = 80;
const ROWS = 24;

/** A gateway with something in every pane: two adapters, installs in several states, integrations, long log lines. */
function fullStatus(): Status {
  const s = runningStatus({ startedAt: iso(T0 - 3_600_000) });
  s.adapters = [
    { ...s.adapters[0]!, name: "telegram-main", kind: "telegram", since: iso(T0 - 600_000), restarts: 3, messagesIn: 1234, messagesOut: 1230, lastInboundAt: iso(T0 - 5_000), lastOutboundAt: iso(T0 - 4_000) },
    { ...s.adapters[0]!, name: "web", state: "backoff", restarts: 12, lastError: "listen EADDRINUSE: address already in use 127.0.0.1:7420", nextRetryAt: iso(T0 + 30_000) },
  ];
  s.installs = [
    { target: "whisper:large-v3-turbo-q5_0", state: "installing", progress: 40, downloadedBytes: 220 * MiB, totalBytes: 547 * MiB, stage: "downloading", error: null },
    { target: "piper:en_US-lessac-medium", state: "error", progress: 20, downloadedBytes: 12 * MiB, totalBytes: 63 * MiB, stage: "cancelled", error: "cancelled; install again to resume (the partial download is kept)" },
    { target: "whisper:base.en", state: "broken", progress: 0, downloadedBytes: 0, totalBytes: 148 * MiB, stage: null, error: "checksum mismatch: expected 137c40403d78fd54d454da0f9bd998f78703390c, got 0000" },
  ];
  s.integrations = INTEGRATIONS;
  return s;
}

const INTEGRATIONS: SourceReport[] = [
  { name: "composio:gmail", kind: "composio", state: "ok", tools: 40, offered: 40, cacheAgeMs: 12_000, reason: null, restarts: 0, lastError: null },
  { name: "composio:googlecalendar-and-more", kind: "composio", state: "not_connected", tools: 0, offered: 0, cacheAgeMs: 3_700_000, reason: `no active account at Composio ${"x".repeat(100)}`, restarts: 0, lastError: null },
  { name: "files", kind: "mcp", state: "backoff", tools: 14, offered: 0, cacheAgeMs: null, reason: null, restarts: 12, lastError: `exited with code 1: ${"stderr ".repeat(30)}` },
];

/** The gateway's integration reads: the rows above, and tools with long names and notes. */
const integrations: IntegrationReads = {
  integrations: async () => ({ sources: INTEGRATIONS, offered: 40, maxTools: 128, at: iso(T0) }),
  integrationTools: async () => [
    ...Array.from({ length: 30 }, (_, i) => ({ source: "composio:gmail", toolkit: "gmail", name: `GMAIL_TOOL_${i}_${"LONG_".repeat(12)}`, offeredAs: `GMAIL_TOOL_${i}`, description: "d ".repeat(60), notes: [{ code: "renamed" as const, message: `cut to 64 characters ${"and more ".repeat(20)}` }] })),
  ],
};

const actions: DashboardActions = {
  adapter: async () => ({ text: "running", kind: "ok" as const }),
  catalog: async () => CATALOG,
  install: async () => ({ text: "installing", kind: "ok" as const }),
  cancelInstall: async () => ({ text: "cancelling", kind: "ok" as const }),
  uninstall: async () => ({ text: "uninstalled", kind: "ok" as const }),
};

let mounted: Instance | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
});

/** The real App in an 80×24 terminal, integrations built too, so every pane has its view. */
async function mount80x24() {
  const term = fakeTerminal(true);
  term.stdout.columns = COLS;
  term.stdout.rows = ROWS;
  const bus = new EventBus({ now: () => T0 });
  const status = fullStatus();
  mounted = renderInTerminal(<App source={{ ...inProcessSource(bus, () => status, actions), integrations }} version="0.1.0" now={() => T0} />, term);
  // Debug mode writes every frame in full; the last one is what is on screen.
  const frame = () => {
    const out = plain(term.stdout.written);
    const i = out.lastIndexOf("bosun 0.1.0");
    return i === -1 ? "" : out.slice(i).replace(/\n$/, "");
  };
  const until = async (text: string) => {
    await waitUntil(
      () => frame().includes(text),
      () => `never showed ${JSON.stringify(text)}; last frame:\n${frame()}`,
    );
    return frame();
  };
  await until("telegram-main");
  await waitForInput(term.stdin);
  bus.emit({ type: "message.inbound", adapter: "telegram-main", conversation: "-1001234567890123:thread-98765", user: "alice", text: "hello from a group with a very long id" });
  bus.emit({ type: "log", level: "warn", tag: "adapter:web", message: `port in use ${"x".repeat(200)}` });
  const keys = async (k: string, expect: string) => {
    term.stdin.write(k);
    return until(expect);
  };
  /** esc, then wait for what it closes to go: a key right behind a lone esc would read as alt+key. */
  const escape = async (closes: string) => {
    term.stdin.write("\u001B");
    await waitUntil(
      () => !frame().includes(closes),
      () => `esc did not close ${JSON.stringify(closes)}; last frame:\n${frame()}`,
    );
    return frame();
  };
  return { bus, frame, until, keys, escape };
}

/** Fits: no line wider than the terminal and no more lines than it has. */
function expectFits(frame: string) {
  const lines = frame.split("\n");
  expect(lines.length).toBeLessThanOrEqual(ROWS);
  for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(COLS);
}

describe("every view fits an 80×24 terminal", () => {
  test("Adapters, the detail view, Installs, the picker, Sessions, Integrations, Logs, and the filter prompt", async () => {
    const m = await mount80x24();
    const adapters = await m.until("hello from a group");
    expectFits(adapters);
    expect(adapters).toMatch(/NAME↑\s+STATE\s+RESTARTS\s+UPTIME\s+IN\s+OUT\s+DETAIL/);
    // Counts with the age of the last message (the one just sent in is "now").
    expect(adapters).toMatch(/telegram-main\s+running\s+3\s+10m 00s\s+1\.2k · now\s+1\.2k · 4s/);
    // A long conversation id is shortened, leaving the message its line.
    expect(adapters).toContain("← alice in -1001234…: hello from a group with a very long id");
    // The footer keeps how to get help and how to quit, whatever else it drops.
    expect(adapters.split("\n").at(-1)).toMatch(/\? help · q quit$/);

    const detail = await m.keys("\r", "Recent events on telegram-main");
    expectFits(detail);
    expect(detail).toMatch(/messages in\s+1235 · now \(\d\d:\d\d:\d\d\)\s+messages out 1230 · 4s ago \(\d\d:\d\d:\d\d\)/);
    await m.escape("Recent events on");

    const installs = await m.keys("2", "TARGET");
    expectFits(installs);
    expect(installs).toMatch(/whisper:large-v3-turbo-q5_0\s+installing\s+█+░+\s+40%/);
    // A cancel is calm, not an error: its own word, and the tab shows no alarm for it.
    expect(installs).toMatch(/piper:en_US-lessac-medium\s+cancelled\s/);
    expect(installs).toMatch(/whisper:base\.en\s+broken/);

    const picker = await m.keys("i", "Install a model or voice");
    await m.until("whisper:large-v3");
    expectFits(m.frame());
    expect(picker).toContain("filter:");
    // The cancelled install reads as cancelled in the picker too.
    expect(m.frame()).toMatch(/piper:en_US-lessac-medium\s+en_US\s+63\.0 MiB\s+cancelled/);
    await m.escape("Install a model or voice");

    expectFits(await m.keys("3", "No sessions yet"));
    const integrationRows = await m.keys("4", "40 of 128 tools offered");
    expectFits(integrationRows);
    expect(integrationRows).toMatch(/files\s+backoff\s+0\/14\s+—\s+exited with code 1: stderr s/);
    const tools = await m.keys("\r", "more below (j)");
    expectFits(tools);
    expect(tools).toContain("GMAIL_TOOL_0  at the source: GMAIL_TOOL_0_LONG_");
    expectFits(await m.keys("jjjjjjjjjj", "GMAIL_TOOL_5 "));
    await m.escape("more below (j)");
    const logs = await m.keys("5", "[adapter:web] port in use");
    expectFits(logs);

    const filtering = await m.keys("/port", "/port");
    expectFits(filtering);
    expect(filtering.split("\n").at(-1)).toContain("enter keep · esc clear");
    expect(await m.escape("enter keep")).toContain("/ filter");
  });

  test("sorting by a column 80 columns leave out (KIND, SIZE) says it is hidden", async () => {
    const m = await mount80x24();
    expect(m.frame()).not.toContain("KIND");
    expectFits(await m.keys("K", "sorted by kind ↑ (KIND is hidden at 80 columns)"));
    await m.keys("2", "whisper:large-v3-turbo-q5_0");
    expect(m.frame()).not.toContain("SIZE");
    expectFits(await m.keys("Z", "sorted by size ↓ (SIZE is hidden at 80 columns)"));
  });

  test("the help shows every key row, scrolled with j, and each fits on its line", async () => {
    const m = await mount80x24();
    const top = await m.keys("?", "Keys");
    expectFits(top);
    for (const k of ["tab / shift+tab", "1-5", "j/k or ↓/↑", "enter", "r ", "s ", "i ", "x / u", "/ ", "o "]) expect(top).toContain(`│ ${k}`);
    expect(top).toContain("more below (j)");
    expect(top).toContain("Keys  1-15 of 19");
    await m.keys("j", "Keys  2-16 of 19");
    await m.keys("j", "Keys  3-17 of 19");
    const seen = await m.keys("j", "Keys  4-19 of 19");
    expectFits(seen);
    expect(seen).toMatch(/│ q or ctrl\+c\s+quit the dashboard/);
    expect(seen).toMatch(/│ \?\s+toggle this help/);
    expect(seen).toContain("Every view is also a command with --json");
    expect(seen).not.toContain("more below");
    // Scrolling stops at the end: one k past it is enough to go back up.
    await m.keys("jj", "4-19 of 19");
    const back = await m.keys("k", "Keys  3-17 of 19");
    expect(back).toContain("more below");
    expectFits(back);
  });
});
