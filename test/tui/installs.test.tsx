import { afterEach, describe, expect, test } from "bun:test";
import chalk from "chalk";
import { cleanup, render } from "ink-testing-library";
import { EventBus } from "../../src/core/events.ts";
import type { InstallStatus, Status } from "../../src/core/status.ts";
import { App } from "../../src/tui/App.tsx";
import { type CatalogItem, type DashboardActions } from "../../src/tui/source.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { fakeTerminal } from "./fakeTerminal.ts";
import { CATALOG, MiB, plain, press, renderInTerminal, runningStatus, waitForFrame, waitForInput, waitForMatch, waitUntil } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");

function install(target: string, patch: Partial<InstallStatus> = {}): InstallStatus {
  return { target, state: "missing", progress: 0, downloadedBytes: 0, totalBytes: 0, stage: null, error: null, ...patch };
}

/** A download of `total` MiB with `done` MiB on disk. */
function downloading(target: string, done: number, total = 100): InstallStatus {
  return install(target, {
    state: "installing",
    progress: Math.floor((done / total) * 100),
    downloadedBytes: done * MiB,
    totalBytes: total * MiB,
    stage: `downloading ggml-${target.split(":")[1]}.bin`,
  });
}

function statusWith(installs: InstallStatus[]): Status {
  const s = runningStatus({ startedAt: new Date(T0 - 65_000).toISOString() });
  s.adapters[0] = { ...s.adapters[0]!, since: new Date(T0 - 60_000).toISOString() };
  return { ...s, installs };
}

/** A reply's words as the gateway's typed answer would come (an uninstall that leaves "missing" succeeded). */
const asOutcome = (op: string, text: string) => (op === "uninstall" && text === "missing" ? { text: "uninstalled", kind: "ok" as const } : { text, kind: "ok" as const });

/** Records every install call; each reply comes from `reply`, the catalogue from `catalog`. */
function fakeActions(opts: { reply?: (op: string, target: string) => Promise<string>; catalog?: () => Promise<CatalogItem[]> } = {}) {
  const calls: string[] = [];
  let catalogCalls = 0;
  const reply = opts.reply ?? (async (op: string) => (op === "install" ? "installing" : op === "cancel" ? "cancelling" : "missing"));
  const actions: DashboardActions = {
    adapter: async () => ({ text: "running", kind: "ok" as const }),
    catalog() {
      catalogCalls++;
      return opts.catalog ? opts.catalog() : Promise.resolve(CATALOG);
    },
    install(target) {
      calls.push(`install ${target}`);
      return reply("install", target).then((text) => asOutcome("install", text));
    },
    cancelInstall(target) {
      calls.push(`cancel ${target}`);
      return reply("cancel", target).then((text) => asOutcome("cancel", text));
    },
    uninstall(target) {
      calls.push(`uninstall ${target}`);
      return reply("uninstall", target).then((text) => asOutcome("uninstall", text));
    },
  };
  return { actions, calls, catalogCalls: () => catalogCalls };
}

type MountOptions = { actions?: DashboardActions; onQuit?: () => void };

async function mountEmpty(opts: MountOptions = {}) {
  return mountOn([], opts);
}

/** A dashboard showing the Installs pane, on a fake clock that only moves when the test moves it. */
async function mountOn(installs: InstallStatus[], opts: MountOptions = {}) {
  const clock = { t: T0 };
  const now = () => clock.t;
  const bus = new EventBus({ now });
  const source = inProcessSource(bus, () => statusWith(installs), opts.actions);
  // A fast tick, so moving the fake clock shows within milliseconds.
  const r = render(<App source={source} version="0.1.0" now={now} tickMs={20} onQuit={opts.onQuit} />);
  const m = { ...r, bus, clock, frame: () => plain(r.lastFrame()) };
  await waitForFrame(r.lastFrame, "● running");
  await press(m, "2", installs.length > 0 ? "TARGET" : "Nothing installed yet");
  return m;
}

type Mounted = Awaited<ReturnType<typeof mountEmpty>>;



/** The table row of `target` in the current frame. */
function row(m: Mounted, target: string): string {
  return m.frame().split("\n").find((l) => l.slice(1).startsWith(`${target} `)) ?? "";
}

afterEach(() => cleanup());

describe("installs table", () => {
  test("an empty pane says how to install something", async () => {
    const m = await mountEmpty();
    expect(m.frame()).toContain("Nothing installed yet — press i to pick a model or voice.");
    expect(m.frame()).toContain("i install · x cancel · u uninstall");
  });

  test("the bar and percent move as install.state events arrive; speed and ETA appear after two", async () => {
    const m = await mountEmpty();
    m.bus.emit({ type: "install.state", install: downloading("whisper:base.en", 10) });
    await waitForMatch(m, /whisper:base\.en\s+installing\s+█░+\s+10%\s+10\.0\/100\.0 MiB\s+—\s+—\s+downloading/);
    const filled = (r: string) => r.match(/█+/)?.[0].length ?? 0;
    const bar = (r: string) => filled(r) + (r.match(/░+/)?.[0].length ?? 0);
    const width = bar(row(m, "whisper:base.en"));
    const filledAt10 = filled(row(m, "whisper:base.en"));
    // One second and 10 MiB later: 10 MiB/s, with 80 MiB to go.
    m.clock.t += 1_000;
    m.bus.emit({ type: "install.state", install: downloading("whisper:base.en", 20) });
    await waitForMatch(m, /installing\s+█+░+\s+20%\s+20\.0\/100\.0 MiB\s+10\.0 MiB\/s\s+8s\s+/);
    m.clock.t += 1_000;
    m.bus.emit({ type: "install.state", install: downloading("whisper:base.en", 60) });
    // Smoothed: faster than before, but not yet the 40 MiB/s of the last second alone.
    const f = await waitForMatch(m, /installing\s+█+░+\s+60%\s+60\.0\/100\.0 MiB\s+\d+\.\d MiB\/s\s+\d+s\s+/);
    const speed = Number(f.match(/([\d.]+) MiB\/s/)?.[1]);
    expect(speed).toBeGreaterThan(10);
    expect(speed).toBeLessThan(40);
    const r60 = row(m, "whisper:base.en");
    expect(bar(r60)).toBe(width);
    expect(filled(r60)).toBe(Math.floor(width * 0.6));
    expect(filled(r60)).toBeGreaterThan(filledAt10);
    // The selected install's stage, whole, under the table.
    expect(f).toContain("whisper:base.en: downloading ggml-base.en.bin");
  });

  test("a download with no progress for a while says it has stalled", async () => {
    const m = await mountEmpty();
    m.bus.emit({ type: "install.state", install: downloading("whisper:base.en", 10) });
    m.clock.t += 1_000;
    m.bus.emit({ type: "install.state", install: downloading("whisper:base.en", 20) });
    await waitForMatch(m, /10\.0 MiB\/s\s+8s/);
    m.clock.t += 10_000;
    await waitForMatch(m, /20\.0\/100\.0 MiB\s+stalled\s+—/);
    // Progress again: measured afresh against the last sample.
    m.bus.emit({ type: "install.state", install: downloading("whisper:base.en", 30) });
    await waitForMatch(m, /30\.0\/100\.0 MiB\s+\d+\.\d MiB\/s/);
  });

  test("finished, error and broken rows: size, and the error in red", async () => {
    const m = await mountOn([
      install("whisper:base.en", { state: "installed", progress: 100, totalBytes: 148 * MiB }),
      install("whisper:large-v3", { state: "error", progress: 30, downloadedBytes: 900 * MiB, totalBytes: 2950 * MiB, error: "checksum mismatch for ggml-large-v3.bin" }),
      install("whisper:tiny", { state: "broken", totalBytes: 75 * MiB, error: "ggml-tiny.bin fails verification" }),
      install("whisper:small"),
    ]);
    const f = m.frame();
    expect(f).toMatch(/TARGET\s+STATE\s+PROGRESS\s+SIZE\s+SPEED\s+ETA\s+DETAIL/);
    expect(row(m, "whisper:base.en")).toMatch(/installed\s+—\s+148\.0 MiB\s+—\s+—/);
    expect(row(m, "whisper:large-v3")).toMatch(/error\s+—\s+0\.88\/2\.88 GiB\s+—\s+—\s+checksum/);
    expect(row(m, "whisper:tiny")).toMatch(/broken\s+—\s+75\.0 MiB\s+—\s+—\s+ggml-tiny/);
    expect(row(m, "whisper:small")).toMatch(/missing\s+—\s+—/);
    // The selected one's error, whole, under the table (the cell truncates it).
    await press(m, "j", "error: checksum mismatch for ggml-large-v3.bin");
    await press(m, "j", "broken: ggml-tiny.bin fails verification");
  });

  test("a cancelled install is its own calm state: not red, no alarm on the tab, says how to resume", async () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      const m = await mountOn([
        install("whisper:base.en", {
          state: "error",
          stage: "cancelled",
          progress: 40,
          downloadedBytes: 60 * MiB,
          totalBytes: 148 * MiB,
          error: "cancelled; install again to resume (the partial download is kept)",
        }),
      ]);
      expect(row(m, "whisper:base.en")).toMatch(/cancelled\s+—\s+60\.0\/148\.0 MiB\s+—\s+—\s+cancelled; inst/);
      expect(m.frame()).toContain("whisper:base.en: cancelled; install again to resume (the partial download is kept)");
      expect(m.frame()).toContain(" 2 Installs  ");
      expect(m.lastFrame()).not.toContain("\u001b[31m");
      // A real error is still an error, in red, with the tab's alarm.
      m.bus.emit({ type: "install.state", install: install("whisper:base.en", { state: "error", totalBytes: 148 * MiB, error: "checksum mismatch" }) });
      await waitForFrame(m.lastFrame, "2 Installs!");
      expect(row(m, "whisper:base.en")).toMatch(/error\s+/);
      expect(m.lastFrame()).toContain("\u001b[31m");
    } finally {
      chalk.level = level;
    }
  });

  test("the bar widens with the terminal; a narrow one drops columns but keeps state, bar and percent", async () => {
    const lastFrame = async (columns: number) => {
      const bus = new EventBus({ now: () => T0 });
      const s = statusWith([downloading("piper:en_US-lessac-medium", 40)]);
      const term = fakeTerminal(true);
      term.stdout.columns = columns;
      const instance = renderInTerminal(<App source={inProcessSource(bus, () => s)} version="0.1.0" now={() => T0} />, term);
      try {
        await waitForInput(term.stdin);
        term.stdin.write("2");
        await waitUntil(
          () => plain(term.stdout.written).includes("installing"),
          () => `never showed the install; output:\n${plain(term.stdout.written)}`,
        );
        const written = plain(term.stdout.written);
        // Debug mode writes every frame in full; the last one is what is on screen.
        return written.slice(written.lastIndexOf("bosun 0.1.0"));
      } finally {
        instance.unmount();
      }
    };
    const barOf = (f: string) => f.match(/[█░]+/)?.[0].length ?? 0;
    const wide = await lastFrame(160);
    expect(wide).toMatch(/TARGET\s+STATE\s+PROGRESS\s+SIZE\s+SPEED\s+ETA\s+DETAIL\n/);
    const narrow = await lastFrame(60);
    expect(narrow).toMatch(/TARGET\s+STATE\s+PROGRESS\s+DETAIL\n/);
    // The target gives way before the bar does.
    expect(narrow).toMatch(/›piper:en_US-lessac-med…\s+installing\s+█+░+\s+40%/);
    expect(barOf(wide)).toBeGreaterThan(barOf(narrow));
    for (const line of narrow.split("\n")) expect(line.length).toBeLessThanOrEqual(60);
  });
});

describe("catalogue picker", () => {
  test("i opens the picker with the catalogue; typing filters; enter installs the entry and shows the outcome", async () => {
    const a = fakeActions();
    const m = await mountOn([install("whisper:base.en", { state: "installed", progress: 100, totalBytes: 148 * MiB })], { actions: a.actions });
    const f = await press(m, "i", "piper:de_DE-thorsten-high");
    expect(f).toContain("Install a model or voice");
    expect(f).toContain("4 of 4");
    expect(f).toMatch(/whisper:base\.en\s+en\s+148\.0 MiB\s+installed\s+English-only, base/);
    expect(f).toMatch(/whisper:large-v3\s+multilingual\s+2\.88 GiB\s+Multilingual/);
    expect(f).toContain("type to filter · ↑/↓ or ctrl+p/ctrl+n move");
    // j, k and q are letters here: they filter, they neither move nor quit.
    const g = await press(m, "lessac", "1 of 4");
    expect(g).toContain("filter: lessac");
    expect(g).toMatch(/›piper:en_US-lessac-medium/);
    expect(g).not.toContain("whisper:base.en ");
    await press(m, "\r", "piper:en_US-lessac-medium: installing");
    expect(a.calls).toEqual(["install piper:en_US-lessac-medium"]);
    expect(m.frame()).not.toContain("Install a model or voice");
    // The catalogue is asked for once and kept.
    await press(m, "i", "4 of 4");
    expect(a.catalogCalls()).toBe(1);
  });

  test("letters such as j, k and q type into the filter; backspace edits; arrows move", async () => {
    const a = fakeActions();
    const m = await mountEmpty({ actions: a.actions });
    await press(m, "i", "4 of 4");
    await press(m, "qjk", "nothing matches \"qjk\"");
    await press(m, "\u007F\u007F\u007F", "4 of 4");
    await press(m, "whisper", "2 of 4");
    await press(m, "\u001B[B", "›whisper:large-v3");
    await press(m, "\u001B[A", "›whisper:base.en");
    // ctrl+n moves down too.
    await press(m, "\u000E", "›whisper:large-v3");
    await press(m, "\r", "whisper:large-v3: installing");
    expect(a.calls).toEqual(["install whisper:large-v3"]);
  });

  test("q is a letter in the picker, even read together with the i that opened it; after esc it quits", async () => {
    let quits = 0;
    const a = fakeActions();
    const m = await mountEmpty({ actions: a.actions, onQuit: () => quits++ });
    await press(m, "iq", 'nothing matches "q"');
    expect(quits).toBe(0);
    expect(m.frame()).toContain("esc close · ctrl+c quit");
    await press(m, "\u001B", "Nothing installed yet");
    m.stdin.write("q");
    await waitUntil(() => quits === 1, () => "q did not quit once the picker had closed");
  });

  test("esc closes the picker without installing anything", async () => {
    const a = fakeActions();
    const m = await mountEmpty({ actions: a.actions });
    await press(m, "i", "4 of 4");
    await press(m, "\u001B", "Nothing installed yet");
    expect(a.calls).toEqual([]);
    expect(m.frame()).not.toContain("Install a model or voice");
  });

  test("a failed catalogue load says why, and the next i tries again", async () => {
    let fail = true;
    const a = fakeActions({
      catalog: async () => {
        if (fail) throw new Error("gateway not reachable");
        return CATALOG;
      },
    });
    const m = await mountEmpty({ actions: a.actions });
    await press(m, "i", "could not load the catalogue: gateway not reachable");
    await press(m, "\u001B", "Nothing installed yet");
    fail = false;
    await press(m, "i", "4 of 4");
    expect(a.catalogCalls()).toBe(2);
  });

  test("a rejected install shows its message", async () => {
    const a = fakeActions({ reply: async () => Promise.reject(new Error("unknown target whisper:nope")) });
    const m = await mountEmpty({ actions: a.actions });
    await press(m, "i", "4 of 4");
    await press(m, "\r", "unknown target whisper:nope");
    expect(a.calls).toEqual(["install whisper:base.en"]);
  });
});

describe("install control keys", () => {
  test("x cancels an installing row, and says there is nothing to cancel on an installed one", async () => {
    const a = fakeActions();
    const m = await mountOn([downloading("whisper:base.en", 10), install("whisper:tiny", { state: "installed", progress: 100, totalBytes: 75 * MiB })], { actions: a.actions });
    await press(m, "x", "whisper:base.en: cancelling");
    expect(a.calls).toEqual(["cancel whisper:base.en"]);
    await press(m, "j", "›whisper:tiny");
    await press(m, "x", "nothing to cancel: whisper:tiny is installed");
    expect(a.calls).toEqual(["cancel whisper:base.en"]);
  });

  test("u asks first; a second u within 3 s uninstalls; a late one asks again", async () => {
    const a = fakeActions();
    const m = await mountOn([install("whisper:base.en", { state: "installed", progress: 100, totalBytes: 148 * MiB })], { actions: a.actions });
    await press(m, "u", "press u again to uninstall whisper:base.en");
    expect(a.calls).toEqual([]);
    // Too late: the offer lapses with its prompt.
    m.clock.t += 3_500;
    await waitForFrame(m.lastFrame, "press u again", true);
    await press(m, "u", "press u again to uninstall whisper:base.en");
    expect(a.calls).toEqual([]);
    m.clock.t += 1_000;
    await press(m, "u", "whisper:base.en: uninstalled");
    expect(a.calls).toEqual(["uninstall whisper:base.en"]);
  });

  test("any other key between the two u presses withdraws the offer", async () => {
    const a = fakeActions();
    const m = await mountOn(
      [install("whisper:base.en", { state: "installed", totalBytes: 148 * MiB }), install("whisper:tiny", { state: "installed", totalBytes: 75 * MiB })],
      { actions: a.actions },
    );
    await press(m, "u", "press u again to uninstall whisper:base.en");
    await press(m, "j", "›whisper:tiny");
    expect(m.frame()).not.toContain("press u again");
    await press(m, "u", "press u again to uninstall whisper:tiny");
    await press(m, "u", "whisper:tiny: uninstalled");
    expect(a.calls).toEqual(["uninstall whisper:tiny"]);
  });

  test("u on an install under way says to cancel it first", async () => {
    const a = fakeActions();
    const m = await mountOn([downloading("whisper:base.en", 10)], { actions: a.actions });
    await press(m, "u", "whisper:base.en is being installed: press x to cancel it first");
    await press(m, "u", "press x to cancel it first");
    expect(a.calls).toEqual([]);
  });

  test("without actions, i, x and u say it is a read-only view", async () => {
    const m = await mountOn([downloading("whisper:base.en", 10)]);
    await press(m, "i", "read-only view: this dashboard cannot install or remove models");
    expect(m.frame()).not.toContain("Install a model or voice");
    m.clock.t += 10_000;
    await waitForFrame(m.lastFrame, "read-only view", true);
    await press(m, "x", "read-only view");
    m.clock.t += 10_000;
    await waitForFrame(m.lastFrame, "read-only view", true);
    await press(m, "u", "read-only view");
    await press(m, "?", "Read-only view: r, s, i, x and u are not available here.");
  });

  test("i, x and u are ignored while the help is open", async () => {
    const a = fakeActions();
    const m = await mountOn([downloading("whisper:base.en", 10)], { actions: a.actions });
    const help = await press(m, "?", "toggle this help");
    expect(help).toContain("Installs: pick from the catalogue");
    expect(help).toContain("uninstall (press u twice)");
    await waitForInput(m.stdin);
    m.stdin.write("i");
    m.stdin.write("x");
    m.stdin.write("u");
    m.stdin.write("u");
    // Keys are handled in order, so once the help has closed i, x and u have been seen.
    const f = await press(m, "?", "TARGET");
    expect(a.calls).toEqual([]);
    expect(a.catalogCalls()).toBe(0);
    expect(f).not.toContain("Install a model or voice");
    expect(f).not.toContain("cancelling");
    expect(f).not.toContain("press u again");
  });
});
