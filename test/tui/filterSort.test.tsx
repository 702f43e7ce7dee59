import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import type { AdapterStatus, InstallStatus, Status } from "../../src/core/status.ts";
import { App } from "../../src/tui/App.tsx";
import { isQuitKey, keyToAction } from "../../src/tui/keys.ts";
import { cycleSort, sortByKey } from "../../src/tui/sort.ts";
import { type DashboardActions } from "../../src/tui/source.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { dashboardReducer, initialDashboardState, targetAdapter, type DashboardAction, type DashboardState } from "../../src/tui/store.ts";
import { visibleAdapters, visibleInstalls, visibleLogs } from "../../src/tui/view.ts";
import { plain, press, runningStatus, waitForFrame, waitForMatch } from "./helpers.ts";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const AT = new Date(T0).toISOString();
const iso = (ms: number) => new Date(ms).toISOString();
const ev = (e: BosunEvent): DashboardAction => ({ kind: "event", event: e });
const key = (input: string, k: Parameters<typeof keyToAction>[1] = {}, at?: number): DashboardAction => ({ kind: "key", input, key: k, at });
const type = (text: string) => Array.from(text, (ch) => key(ch));
const run = (s: DashboardState, ...actions: DashboardAction[]) => actions.reduce(dashboardReducer, s);

function adapter(name: string, patch: Partial<AdapterStatus> = {}): AdapterStatus {
  return { ...runningStatus().adapters[0]!, name, since: AT, ...patch };
}

function install(target: string, patch: Partial<InstallStatus> = {}): InstallStatus {
  return { target, state: "installed", progress: 100, downloadedBytes: 0, totalBytes: 100, stage: null, error: null, ...patch };
}

const ADAPTERS = [
  adapter("alpha", { kind: "irc", restarts: 2, since: iso(T0 - 60_000) }),
  adapter("bravo", { kind: "webchat", state: "backoff", restarts: 7, lastError: "EADDRINUSE 127.0.0.1:7420" }),
  adapter("charlie", { kind: "telegram", restarts: 0, since: iso(T0 - 600_000), messagesIn: 12 }),
  adapter("delta", { kind: "irc", state: "failed", restarts: 10, lastError: "401 Unauthorized" }),
];

function synced(status: Partial<Status> = {}, controls = true): DashboardState {
  const s = { ...runningStatus(), adapters: ADAPTERS, ...status };
  return dashboardReducer(initialDashboardState("0.1.0", controls), ev({ type: "snapshot", at: AT, status: s }));
}

const names = (s: DashboardState) => visibleAdapters(s).map((a) => a.name);

describe("the / filter", () => {
  test("types into the current pane's filter, matching every word in name, kind, state or error; enter keeps it, esc clears it", () => {
    let s = run(synced(), key("/"));
    expect(s.filtering).toBe(true);
    s = run(s, ...type("irc"));
    expect(names(s)).toEqual(["alpha", "delta"]);
    expect(s.filters.adapters).toBe("irc");
    s = run(s, key("", { backspace: true }), key("", { backspace: true }), key("", { backspace: true }), ...type("addrinuse"));
    expect(names(s)).toEqual(["bravo"]);
    // ctrl+u empties it; words match in any field, in any case.
    s = run(s, key("u", { ctrl: true }), ...type("IRC fail"));
    expect(names(s)).toEqual(["delta"]);
    // enter keeps the filter and gives the keys back.
    s = run(s, key("", { return: true }));
    expect(s.filtering).toBe(false);
    expect(names(s)).toEqual(["delta"]);
    expect(run(s, key("j")).filters.adapters).toBe("IRC fail");
    // esc clears it.
    s = run(s, key("", { escape: true }));
    expect(s.filters.adapters).toBe("");
    expect(names(s)).toEqual(["alpha", "bravo", "charlie", "delta"]);
  });

  test("while typing, every letter is text (j, k, q, r, s, shift letters), arrows still move, ctrl+c still quits", () => {
    let s = run(synced(), key("/"), ...type("qrsjkR/"));
    expect(s.filters.adapters).toBe("qrsjkR/");
    expect(s.request).toBeNull();
    expect(s.pane).toBe("adapters");
    expect(isQuitKey("q", {}, true)).toBe(false);
    expect(keyToAction("c", { ctrl: true }, { filtering: true })).toEqual({ kind: "quit" });
    s = run(synced(), key("/"), ...type("a"));
    expect(names(s)).toEqual(["alpha", "bravo", "charlie", "delta"]);
    s = run(s, key("", { downArrow: true }));
    expect(targetAdapter(s)?.name).toBe("bravo");
    // esc while typing closes the prompt and clears.
    s = run(s, key("", { escape: true }));
    expect(s.filtering).toBe(false);
    expect(s.filters.adapters).toBe("");
  });

  test("the cursor stays on its row when that row still shows, and r/s act on the row drawn under it", () => {
    let s = run(synced(), key("j"), key("j"), key("j"));
    expect(targetAdapter(s)?.name).toBe("delta");
    s = run(s, key("/"), ...type("irc"), key("", { return: true }));
    expect(targetAdapter(s)?.name).toBe("delta");
    s = run(s, key("k"));
    expect(targetAdapter(s)?.name).toBe("alpha");
    expect(run(s, key("r")).request).toMatchObject({ action: "restart", name: "alpha" });
    // A filter that hides the selected row moves the cursor to the first row shown.
    s = run(s, key("/"), key("", { escape: true }), key("/"), ...type("charlie"));
    expect(targetAdapter(s)?.name).toBe("charlie");
  });

  test("each pane has its own filter; Logs filters lines; Sessions opens its own", () => {
    let s = synced();
    for (const m of ["adapter web restarting", "gateway ready", "web is listening"]) s = run(s, ev({ type: "log", at: AT, level: "info", tag: "gw", message: m }));
    s = run(s, key("/"), ...type("irc"), key("", { return: true }), key("5"), key("/"), ...type("web"), key("", { return: true }));
    expect(visibleLogs(s).map((l) => l.message)).toEqual(["adapter web restarting", "web is listening"]);
    s = run(s, key("1"));
    expect(names(s)).toEqual(["alpha", "delta"]);
    s = run(s, key("3"), key("/", {}, T0));
    expect(s.filtering).toBe(true);
    s = run(s, ...type("ada"));
    expect(s.filters.sessions).toBe("ada");
    expect(s.filters.adapters).toBe("irc");
  });
});

describe("sorting", () => {
  test("shift+letter sorts by that column in its natural direction; again reverses; ties by name", () => {
    expect(names(synced())).toEqual(["alpha", "bravo", "charlie", "delta"]);
    let s = run(synced(), key("R", { shift: true }));
    expect(s.sort.adapters).toEqual({ column: "restarts", desc: true });
    expect(names(s)).toEqual(["delta", "bravo", "alpha", "charlie"]);
    s = run(s, key("R", { shift: true }));
    expect(names(s)).toEqual(["charlie", "alpha", "bravo", "delta"]);
    // State: trouble first.
    expect(names(run(synced(), key("S")))).toEqual(["delta", "bravo", "alpha", "charlie"]);
    // Uptime: the longest running first; what is not running has none.
    expect(names(run(synced(), key("U")))).toEqual(["charlie", "alpha", "bravo", "delta"]);
    expect(names(run(synced(), key("I")))[0]).toBe("charlie");
    expect(names(run(synced(), key("K")))).toEqual(["alpha", "delta", "charlie", "bravo"]);
  });

  test("o cycles through the columns; the cursor follows its row; a letter with no column says which ones there are", () => {
    expect(cycleSort("adapters", { column: "name", desc: false })).toEqual({ column: "kind", desc: false });
    expect(cycleSort("adapters", { column: "out", desc: true })).toEqual({ column: "name", desc: false });
    expect(cycleSort("installs", null)).toEqual({ column: "target", desc: false });
    expect(sortByKey("installs", null, "N")).toBeNull();
    let s = run(synced(), key("j"));
    expect(targetAdapter(s)?.name).toBe("bravo");
    s = run(s, key("o", {}, T0), key("o", {}, T0));
    expect(s.sort.adapters).toEqual({ column: "state", desc: false });
    expect(s.notice?.text).toBe("sorted by state ↑");
    expect(targetAdapter(s)?.name).toBe("bravo");
    expect(s.selected.adapters).toBe(1);
    const bad = run(synced(), key("X", {}, T0));
    expect(bad.sort).toEqual(synced().sort);
    expect(bad.notice?.text).toBe("shift+x: no such column here; sort with N name · K kind · S state · R restarts · U uptime · I messages in · O messages out");
    expect(run(synced(), key("5"), key("o")).notice?.text).toBe("o: nothing to sort on the Logs pane");
  });

  test("installs sort by state (trouble first), progress or size, filter by target, and x acts on the row drawn", () => {
    const installs = [
      install("whisper:base.en"),
      install("piper:en_US-lessac-medium", { state: "installing", progress: 40, totalBytes: 60 }),
      install("whisper:large-v3", { state: "error", error: "checksum mismatch", totalBytes: 3000 }),
    ];
    let s = run(synced({ installs }), key("2"), key("S"));
    expect(visibleInstalls(s).map((x) => x.state)).toEqual(["error", "installing", "installed"]);
    s = run(s, key("Z"));
    expect(visibleInstalls(s).map((x) => x.target)).toEqual(["whisper:large-v3", "whisper:base.en", "piper:en_US-lessac-medium"]);
    s = run(s, key("/"), ...type("piper"), key("", { return: true }), key("x"));
    expect(s.request).toMatchObject({ action: "cancel", name: "piper:en_US-lessac-medium" });
  });
});

describe("filter and sort on screen", () => {
  function mount(actions?: DashboardActions) {
    const bus = new EventBus({ now: () => T0 });
    const status = { ...runningStatus(), adapters: ADAPTERS };
    const r = render(<App source={inProcessSource(bus, () => status, actions)} version="0.1.0" now={() => T0} />);
    return { ...r, bus, frame: () => plain(r.lastFrame()) };
  }

  afterEach(() => cleanup());

  test("/ shows the prompt in the footer and narrows the table as you type; esc brings every row back", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "charlie");
    const typing = await press(m, "/irc", "/irc");
    expect(typing).toContain("enter keep · esc clear");
    expect(typing).not.toContain("bravo");
    expect(typing).toMatch(/›alpha\s+irc/);
    const kept = await press(m, "\r", "esc clear filter");
    expect(kept).toContain("/irc");
    expect(kept).not.toContain("charlie");
    const none = await press(m, "/zzz", 'No adapters match "irczzz" — esc clears the filter.');
    expect(none).toMatch(/NAME↑/);
    const all = await press(m, "\u001B", "charlie");
    expect(all).toContain("bravo");
    expect(all).not.toContain("/irc");
  });

  test("the header row marks the sort column and its direction", async () => {
    const m = mount();
    await waitForMatch(m, /NAME↑\s+KIND\s+STATE\s+RESTARTS\s+UPTIME/);
    const f = await press(m, "R", "RESTARTS↓");
    expect(f).not.toContain("NAME↑");
    const rows = f.split("\n").filter((l) => /^[ ›](alpha|bravo|charlie|delta)\b/.test(l)).map((l) => l.slice(1).split(/\s+/)[0]);
    expect(rows).toEqual(["delta", "bravo", "alpha", "charlie"]);
    expect(await press(m, "R", "RESTARTS↑")).toContain("sorted by restarts ↑");
    await press(m, "o", "UPTIME↓");
  });
});
