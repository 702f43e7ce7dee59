import { describe, expect, test } from "bun:test";
import type { BosunEvent } from "../../src/core/events.ts";
import type { InstallStatus } from "../../src/core/status.ts";
import { NOTICE_MS, outcomeNotice, READ_ONLY_INSTALLS_NOTICE } from "../../src/tui/control.ts";
import { formatEta, formatSize, formatSizePair, formatSpeed } from "../../src/core/format.ts";
import { BAR_MAX, BAR_MIN, DETAIL_MIN, installColumns } from "../../src/tui/installColumns.ts";
import { CONFIRM_MS } from "../../src/tui/installControl.ts";
import { installPace, noteInstall, snapshotRates, STALL_MS, type InstallRates } from "../../src/core/pace.ts";
import { isQuitKey, keyToAction, splitKeys } from "../../src/tui/keys.ts";
import { filterCatalog } from "../../src/tui/picker.ts";
import { dashboardReducer, initialDashboardState, type DashboardAction, type DashboardState } from "../../src/tui/store.ts";
import { stateTone } from "../../src/core/present.ts";
import { toneProps } from "../../src/tui/theme.ts";
const installTone = (s: string) => toneProps(stateTone(s));
import { CATALOG, MiB, runningStatus } from "./helpers.ts";
import { cancelOutcome, installOutcome, uninstallOutcome } from "../../src/cli/install-actions.ts";
const st = (state: InstallStatus["state"]): InstallStatus => ({ target: "whisper:base.en", state, progress: 0, downloadedBytes: 0, totalBytes: 0, stage: null, error: null });

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const ev = (e: BosunEvent): DashboardAction => ({ kind: "event", event: e });
const key = (input: string, k: Parameters<typeof keyToAction>[1] = {}, at?: number): DashboardAction => ({ kind: "key", input, key: k, at });
const run = (s: DashboardState, ...actions: DashboardAction[]) => actions.reduce(dashboardReducer, s);

function install(target: string, patch: Partial<InstallStatus> = {}): InstallStatus {
  return { target, state: "installed", progress: 100, downloadedBytes: 0, totalBytes: 148 * MiB, stage: null, error: null, ...patch };
}

const downloading = (mib: number, total = 100): InstallStatus =>
  install("whisper:base.en", { state: "installing", progress: Math.floor((mib / total) * 100), downloadedBytes: mib * MiB, totalBytes: total * MiB });

/** A synced dashboard on the Installs pane. */
function onInstalls(installs: InstallStatus[], controls = true): DashboardState {
  const status = { ...runningStatus(), installs };
  return run(initialDashboardState("0.1.0", controls), ev({ type: "snapshot", at: iso(T0), status }), key("2"));
}

describe("download speed from successive events", () => {
  test("no speed from one sample; the first pair gives the raw rate; later ones are smoothed", () => {
    let r: InstallRates = {};
    r = noteInstall(r, downloading(10), T0);
    expect(installPace(downloading(10), r["whisper:base.en"], T0)).toEqual({ speed: null, etaMs: null, stalled: false });
    r = noteInstall(r, downloading(20), T0 + 1000);
    const p = installPace(downloading(20), r["whisper:base.en"], T0 + 1000);
    expect(p.speed).toBe(10 * MiB);
    expect(p.etaMs).toBe(8000);
    r = noteInstall(r, downloading(60), T0 + 2000);
    const speed = r["whisper:base.en"]!.speed!;
    expect(speed).toBeGreaterThan(10 * MiB);
    expect(speed).toBeLessThan(40 * MiB);
  });

  test("events in the same millisecond are measured against the earlier sample", () => {
    let r = noteInstall({}, downloading(10), T0);
    const same = noteInstall(r, downloading(11), T0);
    expect(same).toBe(r);
    r = noteInstall(same, downloading(20), T0 + 1000);
    expect(r["whisper:base.en"]!.speed).toBe(10 * MiB);
  });

  test("a download that starts over, or stops installing, starts measuring afresh", () => {
    let r = noteInstall(noteInstall({}, downloading(10), T0), downloading(20), T0 + 1000);
    r = noteInstall(r, downloading(0), T0 + 2000);
    expect(r["whisper:base.en"]).toEqual({ at: T0 + 2000, bytes: 0, speed: null });
    const done = noteInstall(r, install("whisper:base.en"), T0 + 3000);
    expect(done).toEqual({});
    expect(noteInstall(done, install("whisper:base.en"), T0 + 4000)).toBe(done);
  });

  test("a snapshot keeps measuring what still installs and forgets the rest", () => {
    let r = noteInstall({}, downloading(10), T0);
    r = noteInstall(r, { ...downloading(5), target: "whisper:tiny" }, T0);
    r = snapshotRates(r, [downloading(30), install("whisper:tiny")], T0 + 2000);
    expect(Object.keys(r)).toEqual(["whisper:base.en"]);
    expect(r["whisper:base.en"]!.speed).toBe(10 * MiB);
  });

  test("no event for STALL_MS reads as stalled; nothing left to fetch has no ETA", () => {
    const r = noteInstall(noteInstall({}, downloading(10), T0), downloading(20), T0 + 1000);
    const sample = r["whisper:base.en"];
    expect(installPace(downloading(20), sample, T0 + 1000 + STALL_MS).stalled).toBe(false);
    expect(installPace(downloading(20), sample, T0 + 1001 + STALL_MS)).toEqual({ speed: null, etaMs: null, stalled: true });
    expect(installPace(downloading(100), sample, T0 + 1000).etaMs).toBeNull();
    expect(installPace(install("whisper:base.en"), sample, T0 + 1000).speed).toBeNull();
  });

  test("the reducer keeps samples from install.state events and their timestamps", () => {
    let s = onInstalls([]);
    s = run(s, ev({ type: "install.state", at: iso(T0), install: downloading(10) }), ev({ type: "install.state", at: iso(T0 + 500), install: downloading(15) }));
    expect(s.rates["whisper:base.en"]).toEqual({ at: T0 + 500, bytes: 15 * MiB, speed: 10 * MiB });
    const batched = dashboardReducer(onInstalls([]), {
      kind: "events",
      events: [
        { type: "install.state", at: iso(T0), install: downloading(10) },
        { type: "install.state", at: iso(T0 + 500), install: downloading(15) },
      ],
    });
    expect(batched.rates).toEqual(s.rates);
  });
});

describe("install table columns", () => {
  const fixed = (l: ReturnType<typeof installColumns>) => 1 + l.columns.reduce((n, c) => n + (c.width ?? 0), 0);

  test("every column fits at 100 with the usual targets; the bar takes half of any room to spare", () => {
    const at100 = installColumns(100, "piper:en_US-lessac-medium".length);
    expect(at100.columns.map((c) => c.title)).toEqual(["TARGET", "STATE", "PROGRESS", "SIZE", "SPEED", "ETA", "DETAIL"]);
    expect(fixed(at100) + DETAIL_MIN).toBeLessThanOrEqual(100);
    const at140 = installColumns(140, "piper:en_US-lessac-medium".length);
    expect(at140.bar).toBeGreaterThan(at100.bar);
    expect(installColumns(400, 20).bar).toBe(BAR_MAX);
  });

  test("narrower terminals drop size, then speed, then ETA; then targets give way", () => {
    expect(installColumns(90, 25).columns.map((c) => c.id)).toEqual(["target", "state", "progress", "speed", "eta", "detail"]);
    expect(installColumns(80, 25).columns.map((c) => c.id)).toEqual(["target", "state", "progress", "eta", "detail"]);
    expect(installColumns(60, 25).columns.map((c) => c.id)).toEqual(["target", "state", "progress", "detail"]);
    for (const w of [90, 80, 70, 60, 50]) {
      const l = installColumns(w, 25);
      expect(l.bar).toBeGreaterThanOrEqual(BAR_MIN);
      expect(fixed(l) + DETAIL_MIN).toBeLessThanOrEqual(w);
    }
  });
});

describe("formatting installs", () => {
  test("sizes in MiB and GiB, pairs in the total's unit, speeds and ETAs", () => {
    expect(formatSize(148 * MiB)).toBe("148.0 MiB");
    expect(formatSize(1.5 * 1024 * MiB)).toBe("1.50 GiB");
    expect(formatSizePair(60 * MiB, 148 * MiB)).toBe("60.0/148.0 MiB");
    expect(formatSizePair(900 * MiB, 2950 * MiB)).toBe("0.88/2.88 GiB");
    expect(formatSpeed(512 * 1024)).toBe("512 KiB/s");
    expect(formatSpeed(12.34 * MiB)).toBe("12.3 MiB/s");
    expect(formatSpeed(234 * MiB)).toBe("234 MiB/s");
    expect(formatEta(7200)).toBe("8s");
    expect(formatEta(65_000)).toBe("1m 05s");
    expect(installTone("installed")).toEqual({ color: "green" });
    expect(installTone("installing")).toEqual({ color: "cyan" });
    expect(installTone("queued")).toEqual({ color: "yellow" });
    expect(installTone("error")).toEqual({ color: "red" });
    expect(installTone("broken")).toEqual({ color: "red" });
    expect(installTone("missing")).toEqual({ dimColor: true });
  });

  test("install outcomes are worded and coloured by how they went", () => {
    const req = (action: "install" | "cancel" | "uninstall") => ({ id: 1, action, name: "whisper:base.en" });
    expect(outcomeNotice(req("install"), { outcome: installOutcome({ started: true, status: st("installing"), holderPid: null }) }, T0)).toEqual({ text: "whisper:base.en: installing", tone: "ok", expiresAt: T0 + NOTICE_MS });
    const busy = outcomeNotice(req("install"), { outcome: installOutcome({ started: false, status: st("installing"), holderPid: 42 }) }, T0);
    expect(busy).toMatchObject({ text: "whisper:base.en: already being installed by pid 42", tone: "busy" });
    expect(outcomeNotice(req("install"), { outcome: installOutcome({ started: false, status: st("installed"), holderPid: null }) }, T0).tone).toBe("info");
    expect(outcomeNotice(req("cancel"), { outcome: cancelOutcome(false) }, T0).tone).toBe("busy");
    expect(outcomeNotice(req("uninstall"), { outcome: uninstallOutcome(st("missing")) }, T0).text).toBe("whisper:base.en: uninstalled");
    // The kind decides the colour, whatever the words say.
    expect(outcomeNotice(req("install"), { outcome: { text: "already being installed", kind: "ok" } }, T0).tone).toBe("ok");
    expect(outcomeNotice(req("uninstall"), { error: "whisper:base.en is being installed right now" }, T0).tone).toBe("failure");
  });
});

describe("catalogue picker state", () => {
  test("the filter matches every word in target, description, language or quality, ignoring case", () => {
    const targets = (f: string) => filterCatalog(CATALOG, f).map((e) => e.target);
    expect(targets("")).toHaveLength(4);
    expect(targets("WHISPER")).toEqual(["whisper:base.en", "whisper:large-v3"]);
    expect(targets("german")).toEqual(["piper:de_DE-thorsten-high"]);
    expect(targets("en_us medium")).toEqual(["piper:en_US-lessac-medium"]);
    expect(targets("multilingual")).toEqual(["whisper:large-v3"]);
    expect(targets("zz")).toEqual([]);
  });

  test("in the picker, letters type (q too), backspace erases, arrows and ctrl+n/p move, only ctrl+c quits", () => {
    const p = { picker: true };
    expect(keyToAction("j", {}, p)).toEqual({ kind: "picker", op: "type", text: "j" });
    expect(keyToAction("q", {}, p)).toEqual({ kind: "picker", op: "type", text: "q" });
    expect(keyToAction("?", {}, p)).toEqual({ kind: "picker", op: "type", text: "?" });
    expect(keyToAction("", { delete: true }, p)).toEqual({ kind: "picker", op: "erase" });
    expect(keyToAction("", { backspace: true }, p)).toEqual({ kind: "picker", op: "erase" });
    expect(keyToAction("", { downArrow: true }, p)).toEqual({ kind: "picker", op: "move", delta: 1 });
    expect(keyToAction("p", { ctrl: true }, p)).toEqual({ kind: "picker", op: "move", delta: -1 });
    expect(keyToAction("", { return: true }, p)).toEqual({ kind: "picker", op: "choose" });
    expect(keyToAction("", { escape: true }, p)).toEqual({ kind: "picker", op: "close" });
    expect(keyToAction("", { tab: true }, p)).toBeNull();
    expect(keyToAction("c", { ctrl: true }, p)).toEqual({ kind: "quit" });
    expect(isQuitKey("q", {}, true)).toBe(false);
    expect(isQuitKey("q", {})).toBe(true);
    expect(splitKeys("ab\u007F\u000E", {})).toEqual([
      { input: "a", key: {} },
      { input: "b", key: {} },
      { input: "", key: { delete: true } },
      { input: "n", key: { ctrl: true } },
    ]);
  });

  test("i opens the picker and asks for the catalogue once; a failed load is retried on the next i", () => {
    let s = run(onInstalls([]), key("i"));
    expect(s.picker).toEqual({ filter: "", cursor: 0 });
    const id = s.catalog.loading!;
    expect(id).toEqual(expect.any(Number));
    s = run(s, { kind: "catalogDone", id, error: "gateway not reachable" });
    expect(s.catalog).toEqual({ entries: null, error: "gateway not reachable", loading: null });
    s = run(s, key("", { escape: true }), key("i"));
    const retry = s.catalog.loading!;
    expect(retry).not.toBe(id);
    // A late answer to an old load is ignored.
    expect(dashboardReducer(s, { kind: "catalogDone", id, entries: CATALOG })).toBe(s);
    s = run(s, { kind: "catalogDone", id: retry, entries: CATALOG }, key("", { escape: true }), key("i"));
    expect(s.catalog.loading).toBeNull();
    expect(s.catalog.entries).toBe(CATALOG);
  });

  test("typing resets the cursor; moves clamp to the filtered list; enter requests the install and closes", () => {
    let s = run(onInstalls([]), key("i"));
    s = run(s, { kind: "catalogDone", id: s.catalog.loading!, entries: CATALOG });
    s = run(s, key("p"), key("i"), key("", { downArrow: true }), key("", { downArrow: true }), key("", { downArrow: true }));
    expect(s.picker).toEqual({ filter: "pi", cursor: 1 });
    s = run(s, key("", { delete: true }), key("", { delete: true }), key("", { delete: true }));
    expect(s.picker).toEqual({ filter: "", cursor: 0 });
    s = run(s, key("", { upArrow: true }), key("n", { ctrl: true }), key("", { return: true }, T0));
    expect(s.picker).toBeNull();
    expect(s.request).toEqual({ id: expect.any(Number), action: "install", name: "whisper:large-v3" });
    expect(s.notice).toEqual({ text: "requesting whisper:large-v3…", tone: "pending", expiresAt: null });
  });

  test("enter with nothing matching does nothing; i does nothing on other panes or under the help", () => {
    let s = run(onInstalls([]), key("i"));
    s = run(s, { kind: "catalogDone", id: s.catalog.loading!, entries: CATALOG }, key("z"), key("z"));
    expect(dashboardReducer(s, key("", { return: true }))).toBe(s);
    const adapters = run(onInstalls([]), key("1"));
    const i = dashboardReducer(adapters, key("i"));
    expect(i.picker).toBeNull();
    expect(i.catalog).toBe(adapters.catalog);
    expect(i.notice?.text).toBe("i: only on the Installs pane");
    const help = run(onInstalls([]), key("?"));
    expect(dashboardReducer(help, key("i"))).toBe(help);
  });
});

describe("x and u on the Installs pane", () => {
  test("x cancels what is queued or installing, and says so when there is nothing to cancel", () => {
    for (const state of ["installing", "queued"] as const) {
      expect(run(onInstalls([install("whisper:base.en", { state })]), key("x")).request).toMatchObject({ action: "cancel", name: "whisper:base.en" });
    }
    const s = run(onInstalls([install("whisper:base.en")]), key("x", {}, T0));
    expect(s.request).toBeNull();
    expect(s.notice).toEqual({ text: "nothing to cancel: whisper:base.en is installed", tone: "info", expiresAt: T0 + NOTICE_MS });
    expect(run(onInstalls([]), key("x")).notice?.text).toBe("nothing to cancel");
    expect(run(onInstalls([install("whisper:base.en")], false), key("x")).notice?.text).toBe(READ_ONLY_INSTALLS_NOTICE);
  });

  test("u asks, a second u within CONFIRM_MS uninstalls; the offer lapses on the clock with its prompt", () => {
    const base = onInstalls([install("whisper:base.en", { state: "broken", error: "bad file" })]);
    let s = run(base, key("u", {}, T0));
    expect(s.confirm).toEqual({ kind: "uninstall", target: "whisper:base.en", expiresAt: T0 + CONFIRM_MS });
    expect(s.notice?.text).toBe("press u again to uninstall whisper:base.en");
    expect(s.request).toBeNull();
    const confirmed = run(s, key("u", {}, T0 + CONFIRM_MS - 1));
    expect(confirmed.request).toMatchObject({ action: "uninstall", name: "whisper:base.en" });
    expect(confirmed.confirm).toBeNull();
    // Too late: the second press only asks again.
    expect(run(s, key("u", {}, T0 + CONFIRM_MS)).request).toBeNull();
    s = run(s, { kind: "tick", now: T0 + CONFIRM_MS });
    expect(s.confirm).toBeNull();
    expect(s.notice).toBeNull();
  });

  test("another key withdraws the offer; u on missing or running installs explains instead of asking", () => {
    const s = run(onInstalls([install("whisper:base.en")]), key("u", {}, T0), key("j", {}, T0 + 10));
    expect(s.confirm).toBeNull();
    expect(s.notice).toBeNull();
    expect(run(s, key("u", {}, T0 + 20)).request).toBeNull();
    expect(run(onInstalls([install("whisper:base.en", { state: "missing" })]), key("u")).notice?.text).toBe("nothing to uninstall: whisper:base.en is not installed");
    const busy = run(onInstalls([downloading(10)]), key("u"), key("u"));
    expect(busy.request).toBeNull();
    expect(busy.notice?.text).toBe("whisper:base.en is being installed: press x to cancel it first");
  });

  test("one request at a time: x while another action runs waits", () => {
    const s = run(onInstalls([downloading(10)]), key("x"));
    expect(s.request?.action).toBe("cancel");
    expect(dashboardReducer(s, key("x"))).toBe(s);
  });
});
