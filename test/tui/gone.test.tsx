import { afterEach, describe, expect, test } from "bun:test";
import chalk from "chalk";
import { cleanup, render } from "ink-testing-library";
import type { BosunEvent } from "../../src/core/events.ts";
import type { Status } from "../../src/core/status.ts";
import { App } from "../../src/tui/App.tsx";
import { formatClock } from "../../src/core/format.ts";
import type { DashboardSource } from "../../src/tui/source.ts";
import { plain, runningStatus, waitForFrame, waitUntil } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** A source the test drives by hand, like an attached stream: snapshot, events, connection changes. */
function handSource() {
  let emit: (e: BosunEvent) => void = () => {};
  let connection: (c: boolean) => void = () => {};
  const source: DashboardSource = {
    mode: "attached",
    subscribe(listener, onConnection) {
      emit = listener;
      connection = onConnection ?? (() => {});
      return () => {};
    },
  };
  return {
    source,
    snapshot(status: Status) {
      emit({ type: "snapshot", at: iso(T0), status });
      connection(true);
    },
    lose: () => connection(false),
  };
}

function statusAt(t: number): Status {
  const s = runningStatus({ startedAt: iso(t - 65_000) });
  s.adapters[0] = { ...s.adapters[0]!, since: iso(t - 60_000) };
  return s;
}

function mount() {
  // `reads` counts the dashboard's looks at its clock: each tick reads it once.
  const clock = { t: T0, reads: 0 };
  const now = () => {
    clock.reads++;
    return clock.t;
  };
  const h = handSource();
  const r = render(<App source={h.source} version="0.1.0" now={now} tickMs={10} />);
  return { ...h, ...r, clock, frame: () => plain(r.lastFrame()) };
}

const level = chalk.level;
afterEach(() => {
  chalk.level = level;
  cleanup();
});

describe("an attached dashboard whose gateway goes away", () => {
  test("says since when, stops the clocks, greys the rows, and resumes live on a new snapshot", async () => {
    chalk.level = 1;
    const m = mount();
    await waitUntil(() => m.frame().includes("● connecting…"), () => m.frame());
    m.snapshot(statusAt(T0));
    await waitForFrame(m.lastFrame, "up 1m 05s");
    // Live: the adapter's state is green.
    expect(m.lastFrame()).toMatch(/\u001b\[32mrunning/);

    m.clock.t = T0 + 3_000;
    await waitForFrame(m.lastFrame, "up 1m 08s");
    m.lose();
    const gone = await waitForFrame(m.lastFrame, `● gateway gone since ${formatClock(iso(T0 + 3_000))}`);
    expect(gone).toContain("reconnecting…");
    // The clocks stopped where the gateway was last seen: time passes (the header counts it), uptimes do not.
    m.clock.t = T0 + 60_000;
    const later = await waitForFrame(m.lastFrame, `gone since ${formatClock(iso(T0 + 3_000))} (57s ago)`);
    expect(later).toContain("up 1m 08s");
    expect(later).toMatch(/web\s+webchat\s+running\s+0\s+1m 03s/);
    // The row is drawn grey: no state colour left on it.
    const row = m.lastFrame()!.split("\n").find((l) => plain(l).includes("webchat"))!;
    expect(row).not.toMatch(/\u001b\[32m/);
    expect(row).toContain("\u001b[2m");

    // A gateway comes back: live again, with its own clock.
    m.snapshot(statusAt(T0 + 50_000));
    const back = await waitForFrame(m.lastFrame, "● running");
    expect(back).not.toContain("gateway gone");
    await waitForFrame(m.lastFrame, "up 1m 15s");
    expect(m.lastFrame()).toMatch(/\u001b\[32mrunning/);
  });

  test("until the first snapshot it only says connecting…, with no placeholder state", async () => {
    const m = mount();
    const f = await waitForFrame(m.lastFrame, "● connecting…");
    expect(f).not.toContain("No adapters configured");
    expect(f).not.toContain("provider");
    expect(f).not.toContain("embedded default");
    // A failed first attempt is still "connecting", not "gone".
    m.lose();
    // Two ticks after the lost attempt (one read is the connection's own stamp): anything it
    // changed has been drawn by then.
    const seen = m.clock.reads;
    await waitUntil(() => m.clock.reads >= seen + 3, () => `the clock ticked ${m.clock.reads - seen} times`);
    expect(m.frame()).toContain("● connecting…");
    expect(m.frame()).not.toContain("gone");
  });
});
