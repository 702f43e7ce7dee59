/**
 * One look (issue 9): the CLI's tables and progress lines and the dashboard's panes read the
 * same numbers the same way and draw every state word in the same colour, because both go
 * through core's format.ts, pace.ts and present.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import chalk from "chalk";
import { Text } from "ink";
import { cleanup, render } from "ink-testing-library";
import { renderAdapters } from "../../src/cli/commands/adapters.ts";
import { renderCatalog } from "../../src/cli/commands/catalog.ts";
import { renderInstalls } from "../../src/cli/commands/installs.ts";
import { setColor, stateColor, toneColor } from "../../src/cli/output.ts";
import { ProgressView } from "../../src/cli/progress.ts";
import { renderStatus } from "../../src/cli/status-view.ts";
import { EventBus } from "../../src/core/events.ts";
import { formatSize } from "../../src/core/format.ts";
import { builtinCatalog } from "../../src/core/installs/catalog/catalog.ts";
import { gatewayTone, stateTone, type Tone } from "../../src/core/present.ts";
import { emptyStatus, type InstallStatus, type Status } from "../../src/core/status.ts";
import { App } from "../../src/tui/App.tsx";
import { type DashboardActions } from "../../src/tui/source.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { toneProps } from "../../src/tui/theme.ts";
import { MiB, plain, press, runningStatus, waitForFrame, waitForMatch } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");
const ANSI = /\u001b\[[0-9;]*m/g;

function install(target: string, patch: Partial<InstallStatus> = {}): InstallStatus {
  return { target, state: "missing", progress: 0, downloadedBytes: 0, totalBytes: 0, stage: null, error: null, ...patch };
}

/** A dashboard on a fake clock over `status`, on pane `pane` (a digit). */
async function mount(status: Status, pane: string, expected: string, actions?: DashboardActions) {
  const clock = { t: T0 };
  const now = () => clock.t;
  const bus = new EventBus({ now });
  const r = render(<App source={inProcessSource(bus, () => status, actions)} version="0.1.0" now={now} tickMs={20} />);
  const m = { ...r, bus, clock, frame: () => plain(r.lastFrame()) };
  await waitForFrame(r.lastFrame, "● running");
  await press(m, pane, expected);
  return m;
}

/** The line of a table (or the picker's box) that shows `target`. */
function row(text: string, target: string): string {
  return text.split("\n").find((l) => l.split(/[\s›│]+/).includes(target)) ?? "";
}

/** Colours on in the CLI for `fn` (the test preload sets NO_COLOR), and chalk at 16 colours for Ink. */
function coloured(fn: () => void): void {
  const level = chalk.level;
  const noColor = process.env.NO_COLOR;
  delete process.env.NO_COLOR;
  chalk.level = 1;
  setColor(true);
  try {
    fn();
  } finally {
    chalk.level = level;
    process.env.NO_COLOR = noColor;
    setColor(false);
  }
}

afterEach(() => {
  cleanup();
  setColor(false);
});

describe("the same numbers read the same in the CLI and the dashboard", () => {
  test("sizes: bytes and KiB are shown as such (not 0.0 MiB), MiB and GiB alike in both", async () => {
    setColor(false);
    const installs = [
      install("piper:tiny-file", { state: "installed", progress: 100, totalBytes: 5 }),
      install("piper:small-file", { state: "installed", progress: 100, totalBytes: 4885 }),
      install("whisper:base.en", { state: "installed", progress: 100, totalBytes: 147_964_211 }),
      install("whisper:large-v3", { state: "installed", progress: 100, totalBytes: 3_095_033_483 }),
    ];
    const cli = renderInstalls(installs);
    const m = await mount({ ...runningStatus(), installs }, "2", "TARGET");
    const tui = m.frame();
    const expected: Array<[string, string]> = [
      ["piper:tiny-file", "5 B"],
      ["piper:small-file", "4.8 KiB"],
      ["whisper:base.en", "141.1 MiB"],
      ["whisper:large-v3", "2.88 GiB"],
    ];
    for (const [target, size] of expected) {
      expect(row(cli, target)).toContain(`  ${size}`);
      expect(row(tui, target)).toContain(` ${size} `);
    }
  });

  test("the catalogue's sizes: `bosun catalog` and the dashboard's picker agree", async () => {
    setColor(false);
    const entries = builtinCatalog().filter((e) => e.target === "whisper:base.en" || e.target === "whisper:large-v3");
    const cli = renderCatalog(entries);
    const actions: DashboardActions = {
      adapter: async () => {
        throw new Error("not used here");
      },
      catalog: async () => entries,
    };
    const p = await mount({ ...runningStatus(), installs: [] }, "2", "Nothing installed yet", actions);
    await press(p, "i", "whisper:large-v3");
    for (const e of entries) {
      const size = formatSize(e.size);
      expect(row(cli, e.target)).toContain(` ${size} `);
      expect(row(p.frame(), e.target)).toContain(` ${size} `);
    }
  });

  test("durations: the adapters table's FOR and the dashboard's UPTIME (1m 05s, not 1m 5s)", async () => {
    setColor(false);
    const status = runningStatus();
    status.adapters[0] = { ...status.adapters[0]!, since: new Date(T0 - 65_000).toISOString() };
    const cli = renderAdapters(status.adapters, true, T0);
    expect(row(cli, status.adapters[0]!.name)).toMatch(/running\s+0\s+1m 05s\s/);
    const m = await mount(status, "1", "UPTIME");
    await waitForMatch(m, /running\s+0\s+1m 05s\s/);
  });

  test("speed and time left: one estimator, one format, in `bosun install` and the Installs pane", async () => {
    setColor(false);
    const KiB = 1024;
    // 512 KiB a second with 40 MiB to go: 80 s left.
    const at = (done: number): InstallStatus =>
      install("whisper:base.en", { state: "installing", progress: Math.floor((done / (60 * MiB)) * 100), downloadedBytes: done, totalBytes: 60 * MiB, stage: "downloading" });
    let t = T0;
    let written = "";
    const view = new ProgressView("tty", (s) => (written = s), () => t);
    view.update([at(20 * MiB)]);
    t += 1000;
    view.update([at(20 * MiB + 512 * KiB)]);
    const cli = written.replace(ANSI, "");
    expect(cli).toContain("20.5/60.0 MiB  512 KiB/s  ETA 1m 19s");

    const m = await mount({ ...runningStatus(), installs: [at(20 * MiB)] }, "2", "TARGET");
    m.bus.emit({ type: "install.state", install: at(20 * MiB) });
    m.clock.t += 1000;
    m.bus.emit({ type: "install.state", install: at(20 * MiB + 512 * KiB) });
    await waitForMatch(m, /20\.5\/60\.0 MiB\s+512 KiB\/s\s+1m 19s/);
  });
});

describe("every state word has the same colour in the CLI and the dashboard", () => {
  /** How Ink draws `word` with a tone's props, escapes included. */
  function inkColoured(tone: Tone, word: string): string {
    const r = render(<Text {...toneProps(tone)}>{word}</Text>);
    const f = r.lastFrame() ?? "";
    r.unmount();
    return f;
  }

  test("same escape codes for every word core knows, and for the gateway's states", () => {
    coloured(() => {
      // The states of adapters, installs, the gateway, integrations and sessions: every tone.
      const words = ["running", "installed", "ok", "connected", "active", "installing", "starting", "backoff", "stopping", "queued", "stale", "connecting", "refreshing", "failed", "error", "broken", "errored", "crashed", "stopped", "missing", "cancelled", "unknown-word"];
      expect(words).toContain("installing");
      for (const w of words) {
        const cli = stateColor(w)(w);
        expect({ w, tui: inkColoured(stateTone(w), w) }).toEqual({ w, tui: cli });
      }
      for (const g of ["running", "starting", "stopping", "stopped", "crashed"] as const) {
        expect({ g, tui: inkColoured(gatewayTone(g), g) }).toEqual({ g, tui: toneColor(gatewayTone(g))(g) });
      }
      // installing is cyan in both; a stopped gateway is dim (at rest) in both.
      expect(stateColor("installing")("x")).toBe("\u001b[36mx\u001b[39m");
      expect(inkColoured(gatewayTone("stopped"), "stopped")).toBe("\u001b[2mstopped\u001b[22m");
    });
  });

  test("bosun status and the dashboard's header draw a stopped gateway the same", () => {
    coloured(() => {
      const s = emptyStatus("0.1.0");
      expect(s.gateway.state).toBe("stopped");
      expect(renderStatus(s, T0)).toContain(`${toneColor(gatewayTone("stopped"))("stopped")}`);
      expect(renderStatus(s, T0)).toContain("\u001b[2mstopped\u001b[22m");
      expect(toneProps(gatewayTone("stopped"))).toEqual({ dimColor: true });
    });
  });
});
