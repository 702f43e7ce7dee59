import { describe, expect, test } from "bun:test";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import { emptyStatus } from "../../src/core/status.ts";
import { formatAge, formatDuration } from "../../src/core/format.ts";
import { isQuitKey, keyToAction, splitKeys } from "../../src/tui/keys.ts";
import { Redactor } from "../../src/core/util/redact.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { dashboardReducer, initialDashboardState, LOG_CAP, MESSAGE_CAP, selectedIndex, type DashboardState } from "../../src/tui/store.ts";
import { gatewayTone, levelTone, stateTone } from "../../src/core/present.ts";
import { toneProps } from "../../src/tui/theme.ts";
import { windowStart } from "../../src/tui/windowed.ts";
import { runningStatus } from "./helpers.ts";

const AT = "2025-01-01T00:00:00.000Z";
const ev = (e: BosunEvent) => ({ kind: "event" as const, event: e });
const log = (message: string): BosunEvent => ({ type: "log", at: AT, level: "info", tag: "t", message });
// One status for every call: runningStatus() stamps times from Date.now(), and two states
// built a millisecond apart would not compare equal.
const STATUS = runningStatus();
const synced = (): DashboardState => dashboardReducer(initialDashboardState("0.1.0"), ev({ type: "snapshot", at: AT, status: STATUS }));

describe("dashboardReducer: events", () => {
  test("starts disconnected on an empty status; a snapshot replaces status and connects", () => {
    const s0 = initialDashboardState("0.1.0");
    expect(s0.connected).toBe(false);
    expect(s0.synced).toBe(false);
    expect(s0.status).toEqual(emptyStatus("0.1.0"));
    const s1 = synced();
    expect(s1.connected).toBe(true);
    expect(s1.synced).toBe(true);
    expect(s1.status.gateway.state).toBe("running");
    expect(s1.status.adapters.map((a) => a.name)).toEqual(["web"]);
  });

  test("status changes go through reduceStatus", () => {
    const base = runningStatus().adapters[0]!;
    const s = dashboardReducer(synced(), ev({ type: "adapter.state", at: AT, adapter: { ...base, name: "alpha", state: "failed" } }));
    expect(s.status.adapters.map((a) => `${a.name}:${a.state}`)).toEqual(["alpha:failed", "web:running"]);
    const t = dashboardReducer(s, ev({ type: "gateway.state", at: AT, gateway: { state: "stopping" } }));
    expect(t.status.gateway.state).toBe("stopping");
  });

  test("log events append lines, capped at LOG_CAP keeping the newest", () => {
    let s = synced();
    for (let i = 0; i < LOG_CAP + 20; i++) s = dashboardReducer(s, ev(log(`line ${i}`)));
    expect(s.logs.length).toBe(LOG_CAP);
    expect(s.logs[0]!.message).toBe("line 20");
    expect(s.logs.at(-1)!.message).toBe(`line ${LOG_CAP + 19}`);
    expect(new Set(s.logs.map((l) => l.id)).size).toBe(LOG_CAP);
  });

  test("a re-attached stream's replay of the recent log does not repeat lines already shown", () => {
    const at = (s: number) => `2025-01-01T00:00:${String(s).padStart(2, "0")}.000Z`;
    const line = (s: number, message: string): BosunEvent => ({ type: "log", at: at(s), level: "info", tag: "t", message });
    const snapshot: BosunEvent = { type: "snapshot", at: at(30), status: STATUS };
    // First attach: the backlog is all new.
    let s = dashboardReducer(initialDashboardState("0.1.0"), { kind: "events", events: [snapshot, line(1, "a"), line(2, "b"), line(2, "c")] });
    s = dashboardReducer(s, { kind: "connection", connected: false });
    // Reattached: the gateway replays its recent log, including lines logged while we were away.
    s = dashboardReducer(s, { kind: "events", events: [snapshot] });
    s = dashboardReducer(s, { kind: "events", events: [line(1, "a"), line(2, "b"), line(2, "c"), line(2, "d"), line(5, "e")] });
    s = dashboardReducer(s, ev(line(5, "e again")));
    expect(s.logs.map((l) => l.message)).toEqual(["a", "b", "c", "d", "e", "e again"]);
    expect(s.logReplayUntil).toBeNull();
  });

  test("a batch of events equals applying them one by one", () => {
    const events: BosunEvent[] = [];
    for (let i = 0; i < LOG_CAP + 5; i++) events.push(log(`l${i}`));
    events.push({ type: "message.inbound", at: AT, adapter: "web", conversation: "c", user: "u", text: "hi" });
    const batched = dashboardReducer(synced(), { kind: "events", events });
    const single = events.reduce((s, e) => dashboardReducer(s, ev(e)), synced());
    expect(batched).toEqual(single);
  });

  test("message events become message lines with direction, capped at MESSAGE_CAP", () => {
    let s = dashboardReducer(synced(), ev({ type: "message.inbound", at: AT, adapter: "web", conversation: "c1", user: "alice", text: "hello" }));
    s = dashboardReducer(s, ev({ type: "message.outbound", at: AT, adapter: "web", conversation: "c1", text: "hi alice" }));
    expect(s.messages.map(({ direction, adapter, conversation, user, text, at }) => ({ direction, adapter, conversation, user, text, at }))).toEqual([
      { direction: "inbound", adapter: "web", conversation: "c1", user: "alice", text: "hello", at: AT },
      { direction: "outbound", adapter: "web", conversation: "c1", user: null, text: "hi alice", at: AT },
    ]);
    expect(s.status.adapters[0]!.lastInboundAt).toBe(AT);
    for (let i = 0; i < MESSAGE_CAP; i++) s = dashboardReducer(s, ev({ type: "message.outbound", at: AT, adapter: "web", conversation: "c", text: `m${i}` }));
    expect(s.messages.length).toBe(MESSAGE_CAP);
    expect(s.messages[0]!.text).toBe("m0");
  });

  test("an event that changes nothing returns the same state object (no re-render)", () => {
    const s = synced();
    expect(dashboardReducer(s, { kind: "events", events: [] })).toBe(s);
    expect(dashboardReducer(s, { kind: "connection", connected: true })).toBe(s);
  });

  test("connection lost and restored", () => {
    const lost = dashboardReducer(synced(), { kind: "connection", connected: false });
    expect(lost.connected).toBe(false);
    expect(lost.synced).toBe(true);
    expect(lost.status.gateway.state).toBe("running");
    expect(dashboardReducer(lost, { kind: "connection", connected: true }).connected).toBe(true);
  });
});

describe("dashboardReducer: UI", () => {
  test("pane switch, cycling both ways with wrap-around", () => {
    let s = synced();
    expect(s.pane).toBe("adapters");
    s = dashboardReducer(s, { kind: "pane", pane: "logs" });
    expect(s.pane).toBe("logs");
    s = dashboardReducer(s, { kind: "cycle", delta: 1 });
    expect(s.pane).toBe("adapters");
    s = dashboardReducer(s, { kind: "cycle", delta: -1 });
    expect(s.pane).toBe("logs");
    s = dashboardReducer(s, { kind: "cycle", delta: -1 });
    expect(s.pane).toBe("integrations");
  });

  test("move clamps to the pane's rows", () => {
    const st = runningStatus();
    st.adapters.push({ ...st.adapters[0]!, name: "x" }, { ...st.adapters[0]!, name: "y" });
    let s = dashboardReducer(initialDashboardState("0.1.0"), ev({ type: "snapshot", at: AT, status: st }));
    s = dashboardReducer(s, { kind: "move", delta: -1 });
    expect(s.selected.adapters).toBe(0);
    s = dashboardReducer(s, { kind: "move", delta: 10 });
    expect(s.selected.adapters).toBe(2);
    // Rows vanishing under the cursor: reads clamp, and moving starts from the clamped row.
    s = dashboardReducer(s, ev({ type: "adapter.removed", at: AT, name: "y" }));
    expect(selectedIndex(s, "adapters")).toBe(1);
    s = dashboardReducer(s, { kind: "move", delta: -1 });
    expect(s.selected.adapters).toBe(0);
    s = dashboardReducer(s, { kind: "pane", pane: "sessions" });
    expect(dashboardReducer(s, { kind: "move", delta: 1 })).toBe(s);
  });

  test("in Logs, up scrolls back, down follows, and a scrolled view stays put as lines arrive", () => {
    let s = synced();
    for (let i = 0; i < 5; i++) s = dashboardReducer(s, ev(log(`l${i}`)));
    s = dashboardReducer(s, { kind: "pane", pane: "logs" });
    s = dashboardReducer(s, { kind: "key", input: "k", key: {} });
    s = dashboardReducer(s, { kind: "key", input: "", key: { upArrow: true } });
    expect(s.selected.logs).toBe(2);
    s = dashboardReducer(s, ev(log("new")));
    expect(s.selected.logs).toBe(3);
    s = dashboardReducer(s, { kind: "move", delta: 100 });
    expect(s.selected.logs).toBe(0);
    s = dashboardReducer(s, ev(log("newer")));
    expect(s.selected.logs).toBe(0);
  });

  test("help toggles; escape closes it; switching pane closes it", () => {
    let s = dashboardReducer(synced(), { kind: "key", input: "?", key: {} });
    expect(s.help).toBe(true);
    expect(dashboardReducer(s, { kind: "key", input: "?", key: {} }).help).toBe(false);
    expect(dashboardReducer(s, { kind: "key", input: "", key: { escape: true } }).help).toBe(false);
    s = dashboardReducer(s, { kind: "key", input: "3", key: {} });
    expect(s.help).toBe(false);
    expect(s.pane).toBe("sessions");
  });

  test("keys map to actions; quit is not a state change", () => {
    expect(keyToAction("", { tab: true })).toEqual({ kind: "cycle", delta: 1 });
    expect(keyToAction("", { tab: true, shift: true })).toEqual({ kind: "cycle", delta: -1 });
    expect(keyToAction("4", {})).toEqual({ kind: "pane", pane: "integrations" });
    expect(keyToAction("j", {})).toEqual({ kind: "move", delta: 1 });
    expect(keyToAction("", { upArrow: true })).toEqual({ kind: "move", delta: -1 });
    // esc with nothing open clears the pane's filter (a no-op when there is none).
    expect(keyToAction("", { escape: true })).toEqual({ kind: "filter", op: "clear" });
    expect(dashboardReducer(synced(), { kind: "key", input: "", key: { escape: true } })).toEqual(synced());
    expect(keyToAction("z", {})).toBeNull();
    expect(isQuitKey("q", {})).toBe(true);
    expect(isQuitKey("c", { ctrl: true })).toBe(true);
    expect(isQuitKey("c", {})).toBe(false);
    const s = synced();
    expect(dashboardReducer(s, { kind: "key", input: "q", key: {} })).toBe(s);
  });
});

describe("splitKeys", () => {
  test("a run of characters read at once becomes one key each", () => {
    expect(splitKeys("j", {})).toEqual([{ input: "j", key: {} }]);
    expect(splitKeys("jj\t\u0003", {})).toEqual([
      { input: "j", key: {} },
      { input: "j", key: {} },
      { input: "", key: { tab: true } },
      { input: "c", key: { ctrl: true } },
    ]);
    const arrow = { upArrow: true };
    expect(splitKeys("\u001B[A", arrow)).toEqual([{ input: "\u001B[A", key: arrow }]);
  });
});

describe("the in-process dashboard's source (the local API's event stream)", () => {
  test("delivers a snapshot first, the recent log records, then bus events, until unsubscribed; secrets redacted", () => {
    const bus = new EventBus({ now: () => 0 });
    const status = runningStatus();
    const seen: string[] = [];
    const conn: boolean[] = [];
    const redactor = new Redactor();
    redactor.set(["s3cret-token-value"]);
    bus.emit(log("before"));
    const off = inProcessSource(bus, () => status, undefined, redactor).subscribe(
      (e) => seen.push(e.type === "log" ? `log:${e.message}` : e.type),
      (c) => conn.push(c),
    );
    bus.emit(log("during s3cret-token-value"));
    off();
    bus.emit(log("after"));
    expect(seen).toHaveLength(3);
    expect(seen.slice(0, 2)).toEqual(["snapshot", "log:before"]);
    expect(seen[2]).toStartWith("log:during ");
    expect(seen[2]).not.toContain("s3cret-token-value");
    expect(conn).toEqual([true]);
  });
});

describe("formatting and colours", () => {
  test("durations and ages are human-readable", () => {
    expect(formatDuration(5_400)).toBe("5s");
    expect(formatDuration(65_000)).toBe("1m 05s");
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe("2h 03m");
    expect(formatDuration(3 * 86400_000 + 4 * 3600_000)).toBe("3d 04h");
    const now = Date.parse(AT);
    expect(formatAge(null, now)).toBe("—");
    expect(formatAge(AT, now + 300)).toBe("now");
    expect(formatAge(AT, now + 12_000)).toBe("12s ago");
    expect(formatAge(AT, now - 4_000)).toBe("in 4s");
  });

  test("states are coloured as promised", () => {
    expect(toneProps(stateTone("running"))).toEqual({ color: "green" });
    expect(toneProps(stateTone("starting"))).toEqual({ color: "yellow" });
    expect(toneProps(stateTone("backoff"))).toEqual({ color: "yellow" });
    expect(toneProps(stateTone("failed"))).toEqual({ color: "red" });
    expect(toneProps(stateTone("stopped"))).toEqual({ dimColor: true });
    expect(toneProps(gatewayTone("running"))).toEqual({ color: "green" });
    // A stopped gateway is at rest, in the dashboard as in `bosun status` (issue 9: it was red here).
    expect(toneProps(gatewayTone("stopped"))).toEqual({ dimColor: true });
    expect(toneProps(levelTone("error"))).toEqual({ color: "red" });
    // Unknown words (integration states are free-form) get no colour, even prototype names.
    expect(stateTone("constructor")).toBe("plain");
    expect(levelTone("constructor" as never)).toBe("plain");
  });

  test("table window keeps the selection visible", () => {
    expect(windowStart(3, 2, 5)).toBe(0);
    expect(windowStart(10, 0, 4)).toBe(0);
    expect(windowStart(10, 5, 4)).toBe(2);
    expect(windowStart(10, 9, 4)).toBe(6);
  });
});
