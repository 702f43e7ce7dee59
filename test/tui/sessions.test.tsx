// The Sessions pane: rows read from the gateway's listing (polled while shown, re-read on
// sessions.counts), the / filter, Enter for the transcript (which follows new messages), and
// x / s steering the selected session through the dashboard's actions.
import { afterEach, describe, expect, test } from "bun:test";
import chalk from "chalk";
import { cleanup, render } from "ink-testing-library";
import type { SessionAction } from "../../src/core/control/api.ts";
import { EventBus } from "../../src/core/events.ts";
import type { SessionDetail, SessionInfo } from "../../src/core/sessions/store.ts";
import { App } from "../../src/tui/App.tsx";
import type { DashboardActions, SessionReads } from "../../src/tui/source.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { plain, press, runningStatus, waitForFrame, waitForMatch, waitUntil } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");

function info(patch: Partial<SessionInfo> & Pick<SessionInfo, "id" | "conversation">): SessionInfo {
  return {
    key: `web:${patch.conversation}`,
    adapter: "web",
    thread: null,
    title: null,
    state: "idle",
    createdAt: T0 - 3_600_000,
    lastActivityAt: T0 - 120_000,
    messageCount: 2,
    tokensIn: 10,
    tokensOut: 20,
    lastErrorType: null,
    lastErrorAt: null,
    waiting: 0,
    pendingOut: 0,
    deadOut: 0,
    ...patch,
  };
}

/** A gateway's sessions as the pane reads and steers them: a list, transcripts, and every call made. */
function fakeGateway() {
  const list: SessionInfo[] = [
    info({ id: "aaaa1111", conversation: "ada", title: "Ada Lovelace", messageCount: 4 }),
    info({ id: "bbbb2222", conversation: "bob", state: "errored", lastErrorType: "rate_limited", deadOut: 1, lastActivityAt: T0 - 5_000 }),
  ];
  const messages: SessionDetail["messages"] = [
    { role: "user", content: "hello \u001b]0;pwned\u0007", inboundId: "1", model: null, errorType: null, createdAt: T0 - 200_000 },
    { role: "assistant", content: "hi Ada", inboundId: "1", model: "gpt-test", errorType: null, createdAt: T0 - 199_000 },
  ];
  const calls: string[] = [];
  let reads = 0;
  const find = (id: string) => list.find((s) => s.id.startsWith(id) || s.key === id);
  const sessions: SessionReads = {
    async sessions() {
      reads++;
      return { sessions: list.map((s) => ({ ...s })), nextCursor: null };
    },
    async session(id) {
      const s = find(id);
      if (!s) throw new Error(`no session matches "${id}"`);
      return { ...s, messages: s.conversation === "ada" ? messages.slice() : [], waitingMessages: [], outbox: [] };
    },
  };
  const actions: DashboardActions = {
    adapter: async () => ({ text: "running", kind: "ok" }),
    async session(action: SessionAction, id: string) {
      calls.push(`${action} ${id}`);
      const s = find(id)!;
      if (action !== "reset") s.state = action === "stop" ? "stopped" : "idle";
      return { text: action === "reset" ? "reset" : s.state, kind: "ok" };
    },
  };
  return { list, messages, calls, sessions, actions, reads: () => reads };
}

function mount(g = fakeGateway()) {
  const now = () => T0;
  const bus = new EventBus({ now });
  const status = runningStatus({ startedAt: new Date(T0 - 65_000).toISOString() });
  status.outbox = { pending: 2, dead: 1 };
  const source = { ...inProcessSource(bus, () => status, g.actions), sessions: g.sessions };
  const r = render(<App source={source} version="0.1.0" now={now} tickMs={20} />);
  return { ...r, g, bus, frame: () => plain(r.lastFrame()) };
}

const level = chalk.level;
afterEach(() => {
  chalk.level = level;
  cleanup();
});

describe("sessions pane", () => {
  test("rows with their columns, errors standing out, the header's waiting and dead replies", async () => {
    chalk.level = 1;
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    const f = await press(m, "3", "Ada Lovelace");
    expect(f).toMatch(/ADAPTER\s+TITLE\s+STATE\s+ACTIVE\s+MSGS\s+TOKENS\s+WAIT\s+PROBLEM/);
    expect(f).toMatch(/›\s*web\s+Ada Lovelace\s+idle\s+2m\s+4\s+10\/20\s+0/);
    // No title: the conversation; an errored session with a dead reply says why.
    expect(f).toMatch(/web\s+bob\s+errored\s+5s\s+2\s+10\/20\s+0\s+1 dead · rate_limited/);
    expect(f).toMatch(/2 replies waiting\s+1 dead/);
    // The errored row is drawn in red.
    const bobRow = (m.lastFrame() ?? "").split("\n").find((l) => l.includes("rate_limited"))!;
    expect(bobRow).toMatch(/\u001b\[31merrored/);
    expect(bobRow).toMatch(/\u001b\[31m1 dead · rate_limited/);
    expect((m.lastFrame() ?? "").split("\n").find((l) => l.includes("Ada Lovelace"))).not.toContain("\u001b[31m");
    expect(f).toContain("enter transcript · x reset · s stop/start");
  });

  test("the open pane reads the listing on its poll and on news, not on every render (the clock re-renders every 20 ms)", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "3", "Ada Lovelace");
    const before = m.g.reads();
    // A window of 25 renders: a poll every 2 s reads at most once more in it.
    await new Promise((r) => setTimeout(r, 500));
    expect(m.g.reads() - before).toBeLessThanOrEqual(1);
  });

  test("a session key with terminal escapes is shown escaped in the footer's notices", async () => {
    const g = fakeGateway();
    g.list[0]!.key = "web:x\u001b]0;pwned\u0007";
    const m = mount(g);
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "3", "Ada Lovelace");
    m.stdin.write("x");
    // The notice names the session: escaped, it reads as text ("\u001b" spelled out), never as an escape.
    const f = await waitForFrame(m.lastFrame, "pwned");
    expect(f).not.toContain("\u001b]0;pwned");
  });

  test("a sessions.counts event reads the listing again: a new session appears", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "3", "Ada Lovelace");
    m.g.list.unshift(info({ id: "cccc3333", conversation: "carol", state: "active", waiting: 2 }));
    m.bus.emit({ type: "sessions.counts", sessions: { total: 3, active: 1, errored: 1 }, outbox: { pending: 2, dead: 1 } });
    expect(await waitForFrame(m.lastFrame, "carol")).toMatch(/carol\s+active\s+2m\s+2\s+10\/20\s+2/);
  });

  test("/ filters the rows; esc brings them back", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "3", "Ada Lovelace");
    await press(m, "/rate", "/rate");
    await waitUntil(() => !m.frame().includes("Ada Lovelace"), () => `Ada still shown:\n${m.frame()}`);
    expect(m.frame()).toContain("rate_limited");
    await press(m, "\u001b", "Ada Lovelace");
  });

  test("enter opens the transcript (escaped, with times, roles and the model), it follows new messages; esc goes back", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "3", "Ada Lovelace");
    const t = await press(m, "\r", "hi Ada");
    expect(t).toMatch(/Ada Lovelace\s+idle\s+web:ada/);
    expect(t).toMatch(/\d\d:\d\d:\d\d user hello \\u001b\]0;pwned\\u0007/);
    expect(t).toMatch(/\d\d:\d\d:\d\d assistant \(gpt-test\) hi Ada/);
    expect(m.lastFrame()).not.toContain("\u001b]0;");
    m.g.messages.push({ role: "user", content: "one more thing", inboundId: "2", model: null, errorType: null, createdAt: T0 - 1000 });
    await waitForFrame(m.lastFrame, "one more thing");
    await press(m, "\u001b", "PROBLEM");
  });

  test("x resets and s stops, then starts, the selected session through the actions", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "3", "Ada Lovelace");
    await press(m, "x", "web:ada: reset");
    await press(m, "s", "web:ada: stopped");
    await waitForMatch(m, /Ada Lovelace\s+stopped/);
    await press(m, "s", "web:ada: idle");
    m.stdin.write("j");
    await waitForMatch(m, /›\s*web\s+bob/);
    await press(m, "s", "web:bob: stopped");
    expect(m.g.calls).toEqual(["reset web:ada", "stop web:ada", "start web:ada", "stop web:bob"]);
  });

  test("a read-only view says x and s cannot act", async () => {
    const g = fakeGateway();
    const now = () => T0;
    const bus = new EventBus({ now });
    const status = runningStatus();
    const source = { ...inProcessSource(bus, () => status), sessions: g.sessions };
    const r = render(<App source={source} version="0.1.0" now={now} tickMs={20} />);
    await waitForFrame(r.lastFrame, "● running");
    await press(r, "3", "Ada Lovelace");
    await press(r, "s", "read-only view: this dashboard cannot reset, stop or start sessions");
  });
});
