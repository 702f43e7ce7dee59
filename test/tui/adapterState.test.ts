import { describe, expect, test } from "bun:test";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import type { AdapterStatus } from "../../src/core/status.ts";
import { adapterColumns, DETAIL_MIN } from "../../src/tui/adapterColumns.ts";
import { STOP_CONFIRM_MS } from "../../src/tui/confirm.ts";
import { NOTICE_MS, READ_ONLY_NOTICE } from "../../src/tui/control.ts";
import { formatRetry } from "../../src/core/format.ts";
import { adapterTimeline, HISTORY_CAP } from "../../src/tui/history.ts";
import { keyToAction, splitKeys } from "../../src/tui/keys.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { dashboardReducer, initialDashboardState, type DashboardAction, type DashboardState } from "../../src/tui/store.ts";
import { runningStatus } from "./helpers.ts";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const AT = new Date(T0).toISOString();
const ev = (e: BosunEvent): DashboardAction => ({ kind: "event", event: e });
const key = (input: string, k: Parameters<typeof keyToAction>[1] = {}, at?: number): DashboardAction => ({ kind: "key", input, key: k, at });
const web = (patch: Partial<AdapterStatus> = {}): AdapterStatus => ({ ...runningStatus().adapters[0]!, since: AT, ...patch });
const state = (patch: Partial<AdapterStatus> = {}) => ({ type: "adapter.state", at: AT, adapter: web(patch) }) as const;

function synced(controls = true, adapters: AdapterStatus[] = [web()]): DashboardState {
  const status = { ...runningStatus(), adapters };
  return dashboardReducer(initialDashboardState("0.1.0", controls), ev({ type: "snapshot", at: AT, status }));
}

const run = (s: DashboardState, ...actions: DashboardAction[]) => actions.reduce(dashboardReducer, s);

describe("keys for adapters", () => {
  test("enter opens or closes the detail, esc closes it, r and s act; none of them while help is open", () => {
    expect(keyToAction("", { return: true })).toEqual({ kind: "detail", open: true });
    expect(keyToAction("\r", {}, { detail: true })).toEqual({ kind: "detail", open: false });
    expect(keyToAction("", { escape: true }, { detail: true })).toEqual({ kind: "detail", open: false });
    expect(keyToAction("", { escape: true }, { help: true, detail: true })).toEqual({ kind: "help", open: false });
    expect(keyToAction("r", {})).toEqual({ kind: "control", op: "restart" });
    expect(keyToAction("s", {}, { detail: true })).toEqual({ kind: "control", op: "toggle" });
    for (const [input, k] of [["r", {}], ["s", {}], ["", { return: true }]] as const) expect(keyToAction(input, k, { help: true })).toBeNull();
    expect(splitKeys("j\r", {})).toEqual([
      { input: "j", key: {} },
      { input: "", key: { return: true } },
    ]);
  });
});

describe("dashboardReducer: adapter control", () => {
  test("r records one request with a pending notice; a second r waits for the first", () => {
    const s = run(synced(), key("r"));
    expect(s.request).toEqual({ id: expect.any(Number), action: "restart", name: "web" });
    expect(s.notice).toEqual({ text: "restarting web…", tone: "pending", expiresAt: null });
    expect(dashboardReducer(s, key("r"))).toBe(s);
    expect(dashboardReducer(s, key("s"))).toBe(s);
  });

  test("s stops anything that is not stopped, and starts a stopped adapter", () => {
    const other = web({ name: "xirc", state: "running" });
    for (const st of ["running", "backoff", "failed", "starting"] as const) {
      expect(run(synced(true, [web({ state: st }), other]), key("s")).request?.action).toBe("stop");
    }
    const s = run(synced(true, [web({ state: "stopped" })]), key("s"));
    expect(s.request?.action).toBe("start");
    expect(s.notice?.text).toBe("starting web…");
  });

  test("the outcome replaces the pending line and expires on a tick past NOTICE_MS", () => {
    const s = run(synced(), key("r", {}, T0));
    const id = s.request!.id;
    expect(dashboardReducer(s, { kind: "controlDone", id: id + 99, outcome: { text: "running", kind: "ok" }, at: T0 })).toBe(s);
    const done = dashboardReducer(s, { kind: "controlDone", id, outcome: { text: "running", kind: "ok" }, at: T0 + 100 });
    expect(done.request).toBeNull();
    expect(done.notice).toEqual({ text: "web: running", tone: "ok", expiresAt: T0 + 100 + NOTICE_MS });
    expect(dashboardReducer(done, { kind: "tick", now: T0 + NOTICE_MS })).toBe(done);
    expect(dashboardReducer(done, { kind: "tick", now: T0 + 100 + NOTICE_MS }).notice).toBeNull();
  });

  test("outcomes and errors are worded and coloured by how they went", () => {
    const s = run(synced(), key("r"));
    const id = s.request!.id;
    expect(dashboardReducer(s, { kind: "controlDone", id, outcome: { text: "still starting", kind: "busy" } }).notice).toMatchObject({ text: "web: still starting", tone: "busy" });
    expect(dashboardReducer(s, { kind: "controlDone", id, outcome: { text: "failed", kind: "failure" } }).notice).toMatchObject({ text: "web: failed", tone: "failure" });
    expect(dashboardReducer(s, { kind: "controlDone", id, error: "no such adapter: web" }).notice).toMatchObject({ text: "no such adapter: web", tone: "failure" });
  });

  test("a notice made without a time is stamped by the first tick, then expires", () => {
    const s = run(synced(false), key("r"));
    expect(s.request).toBeNull();
    expect(s.notice).toEqual({ text: READ_ONLY_NOTICE, tone: "info", expiresAt: null });
    const stamped = dashboardReducer(s, { kind: "tick", now: T0 });
    expect(stamped.notice?.expiresAt).toBe(T0 + NOTICE_MS);
    expect(dashboardReducer(stamped, { kind: "tick", now: T0 + NOTICE_MS }).notice).toBeNull();
    // A pending notice never expires: the action has not ended.
    const pending = run(synced(), key("r"));
    expect(dashboardReducer(pending, { kind: "tick", now: T0 + 10 * NOTICE_MS })).toBe(pending);
  });

  test("r and s do nothing under the help or with no adapter; on another pane they say where they work", () => {
    const help = run(synced(), key("?"));
    expect(dashboardReducer(help, key("r"))).toBe(help);
    const logs = run(synced(), key("5", {}, T0));
    const s = dashboardReducer(logs, key("s", {}, T0));
    expect(s.request).toBeNull();
    expect(s.notice).toEqual({ text: "s: only on the Adapters pane", tone: "info", expiresAt: T0 + NOTICE_MS });
    expect(dashboardReducer(logs, key("i")).notice?.text).toBe("i: only on the Installs pane");
    expect(dashboardReducer(logs, key("", { return: true })).notice?.text).toBe("enter: only on the Adapters pane");
    const none = synced(true, []);
    expect(dashboardReducer(none, key("r"))).toBe(none);
  });

  test("s on the only running channel asks; y stops it, n keeps it, any other key withdraws; the question lapses", () => {
    const one = run(synced(true, [web(), web({ name: "xirc", state: "stopped" })]), key("s", {}, T0));
    expect(one.request).toBeNull();
    expect(one.confirm).toEqual({ kind: "stop", target: "web", expiresAt: T0 + STOP_CONFIRM_MS });
    expect(one.notice).toMatchObject({ text: "web is the only running channel: stop it? y/n", tone: "prompt" });
    const yes = run(one, key("y", {}, T0 + 1));
    expect(yes.request).toMatchObject({ action: "stop", name: "web" });
    expect(yes.confirm).toBeNull();
    const no = run(one, key("n", {}, T0 + 1));
    expect(no.request).toBeNull();
    expect(no.notice?.text).toBe("kept web running");
    expect(run(one, key("", { escape: true })).notice?.text).toBe("kept web running");
    // Another key withdraws the question with its prompt, and does what it does.
    const moved = run(one, key("j"));
    expect(moved.confirm).toBeNull();
    expect(moved.notice).toBeNull();
    expect(run(moved, key("y")).request).toBeNull();
    // Unanswered, it lapses on the clock.
    const lapsed = run(one, { kind: "tick", now: T0 + STOP_CONFIRM_MS });
    expect(lapsed.confirm).toBeNull();
    expect(lapsed.notice).toBeNull();
    // A stopped channel starts without a question.
    expect(run(synced(true, [web({ state: "stopped" })]), key("s")).request?.action).toBe("start");
  });
});

describe("dashboardReducer: adapter history and detail view", () => {
  test("state transitions are recorded per adapter, capped, and forgotten on removal", () => {
    let s = synced();
    expect(s.history.web?.map((t) => `${t.from}>${t.to}`)).toEqual(["null>running"]);
    // A status change that is not a state change (a message age, a counter) is not a transition.
    s = run(s, ev(state({ restarts: 4 })));
    expect(s.history.web).toHaveLength(1);
    s = run(s, ev(state({ state: "backoff", restarts: 5, lastError: "boom" })), ev(state({ state: "running" })));
    expect(s.history.web?.slice(1)).toEqual([
      { id: expect.any(Number), at: AT, from: "running", to: "backoff", restarts: 5, lastError: "boom" },
      { id: expect.any(Number), at: AT, from: "backoff", to: "running", restarts: 0, lastError: null },
    ]);
    for (let i = 0; i < HISTORY_CAP; i++) s = run(s, ev(state({ state: i % 2 ? "running" : "backoff", restarts: i })));
    expect(s.history.web).toHaveLength(HISTORY_CAP);
    expect(s.history.web?.at(-1)?.restarts).toBe(HISTORY_CAP - 1);
    s = run(s, ev({ type: "adapter.removed", at: AT, name: "web" }));
    expect(s.history.web).toBeUndefined();
  });

  test("a fresh snapshot records what changed while away and drops adapters that are gone", () => {
    let s = synced(true, [web(), web({ name: "xirc" })]);
    const later = new Date(T0 + 5000).toISOString();
    const status = { ...runningStatus(), adapters: [web({ state: "failed", since: later, lastError: "gone" })] };
    s = run(s, ev({ type: "snapshot", at: later, status }));
    expect(Object.keys(s.history)).toEqual(["web"]);
    expect(s.history.web?.at(-1)).toMatchObject({ at: later, from: "running", to: "failed", lastError: "gone" });
  });

  test("the timeline merges transitions and messages in arrival order", () => {
    const s = run(
      synced(),
      ev({ type: "message.inbound", at: AT, adapter: "web", conversation: "c", user: "u", text: "one" }),
      ev({ type: "message.inbound", at: AT, adapter: "other", conversation: "c", user: "u", text: "not mine" }),
      ev(state({ state: "backoff" })),
      ev({ type: "message.outbound", at: AT, adapter: "web", conversation: "c", text: "two" }),
    );
    const rows = adapterTimeline(s.history.web, s.messages, "web").map((r) => (r.kind === "state" ? r.transition.to : r.message.text));
    expect(rows).toEqual(["running", "one", "backoff", "two"]);
  });

  test("enter opens the selected adapter; it closes on esc, on a pane switch, or when the adapter goes", () => {
    let s = run(synced(true, [web(), web({ name: "xirc" })]), key("j"), key("", { return: true }));
    expect(s.detail).toBe("xirc");
    // r in the detail acts on the adapter shown.
    expect(dashboardReducer(s, key("r")).request?.name).toBe("xirc");
    expect(run(s, key("", { escape: true })).detail).toBeNull();
    expect(run(s, key("2")).detail).toBeNull();
    s = run(s, ev({ type: "adapter.removed", at: AT, name: "xirc" }));
    expect(s.detail).toBeNull();
    expect(run(synced(), key("3"), key("", { return: true })).detail).toBeNull();
  });

  test("j/k scroll the detail's events, and a scrolled view keeps its place as events arrive", () => {
    let s = synced();
    for (let i = 0; i < 5; i++) s = run(s, ev({ type: "message.inbound", at: AT, adapter: "web", conversation: "c", user: "u", text: `m${i}` }));
    s = run(s, key("", { return: true }), key("k"), key("k"));
    expect(s.detailScroll).toBe(2);
    expect(s.selected.adapters).toBe(0);
    s = run(s, ev({ type: "message.inbound", at: AT, adapter: "web", conversation: "c", user: "u", text: "new" }), ev(state({ state: "backoff" })));
    expect(s.detailScroll).toBe(4);
    s = run(s, { kind: "move", delta: 100 });
    expect(s.detailScroll).toBe(0);
    s = run(s, { kind: "move", delta: -100 });
    expect(s.detailScroll).toBe(7);
  });
});

describe("adapter table columns", () => {
  const fixed = (cols: ReturnType<typeof adapterColumns>) => 1 + cols.reduce((n, c) => n + (c.width ?? 0), 0);

  test("all columns fit from 87 columns up, with room for the detail; at 80 only KIND gives way", () => {
    for (const w of [87, 100, 200]) {
      const cols = adapterColumns(w);
      expect(cols.map((c) => c.title)).toEqual(["NAME", "KIND", "STATE", "RESTARTS", "UPTIME", "IN", "OUT", "DETAIL"]);
      expect(fixed(cols) + DETAIL_MIN).toBeLessThanOrEqual(w);
    }
    expect(adapterColumns(80).map((c) => c.id)).toEqual(["name", "state", "restarts", "uptime", "in", "out", "detail"]);
  });

  test("narrower terminals drop kind, then the message columns, then uptime and restarts", () => {
    expect(adapterColumns(78).map((c) => c.id)).toEqual(["name", "state", "restarts", "uptime", "in", "out", "detail"]);
    expect(adapterColumns(67).map((c) => c.id)).toEqual(["name", "state", "restarts", "uptime", "in", "detail"]);
    expect(adapterColumns(60).map((c) => c.id)).toEqual(["name", "state", "restarts", "uptime", "detail"]);
    expect(adapterColumns(40).map((c) => c.id)).toEqual(["name", "state", "detail"]);
    for (const w of [78, 67, 60, 40, 34]) expect(fixed(adapterColumns(w)) + DETAIL_MIN).toBeLessThanOrEqual(w);
    // Past that, names give way down to a stub.
    expect(adapterColumns(20).find((c) => c.id === "name")?.width).toBe(6);
  });
});

describe("formatting for adapters", () => {
  test("retry countdown rounds up and says when it is due", () => {
    expect(formatRetry(null, T0)).toBeNull();
    expect(formatRetry(new Date(T0 + 12_000).toISOString(), T0)).toBe("retry in 12s");
    expect(formatRetry(new Date(T0 + 11_200).toISOString(), T0)).toBe("retry in 12s");
    expect(formatRetry(new Date(T0 + 300).toISOString(), T0)).toBe("retry in 1s");
    expect(formatRetry(AT, T0)).toBe("retrying…");
    expect(formatRetry(new Date(T0 + 90_000).toISOString(), T0)).toBe("retry in 1m 30s");
  });
});

describe("the in-process source's actions", () => {
  test("passes the actions through, and has none without them", async () => {
    const bus = new EventBus();
    expect(inProcessSource(bus, () => runningStatus()).actions).toBeUndefined();
    const actions = { adapter: async (action: string, name: string) => ({ text: `${action}:${name}`, kind: "ok" as const }) };
    const source = inProcessSource(bus, () => runningStatus(), actions);
    expect(source.actions).toBe(actions);
    expect(await source.actions!.adapter("stop", "web")).toEqual({ text: "stop:web", kind: "ok" });
  });
});
