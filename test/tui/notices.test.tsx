import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import type { InstallStatus, Status } from "../../src/core/status.ts";
import { App } from "../../src/tui/App.tsx";
import { stateTone } from "../../src/core/present.ts";
import { outcomeNotice, pendingNotice } from "../../src/tui/control.ts";
import { noticeProps, toneProps } from "../../src/tui/theme.ts";
import type { KeyInfo } from "../../src/tui/keys.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { dashboardReducer, initialDashboardState, type DashboardAction, type DashboardState } from "../../src/tui/store.ts";
import { MiB, plain, press, runningStatus, waitForFrame } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");
const AT = new Date(T0).toISOString();
const ev = (e: BosunEvent): DashboardAction => ({ kind: "event", event: e });
const key = (input: string, k: KeyInfo = {}, at = T0): DashboardAction => ({ kind: "key", input, key: k, at });
const run = (s: DashboardState, ...actions: DashboardAction[]) => actions.reduce(dashboardReducer, s);

const INSTALL: InstallStatus = { target: "whisper:base.en", state: "installed", progress: 100, downloadedBytes: 148 * MiB, totalBytes: 148 * MiB, stage: null, error: null };

function synced(status: Partial<Status> = {}): DashboardState {
  const s = { ...runningStatus(), installs: [INSTALL], ...status };
  return dashboardReducer(initialDashboardState("0.1.0", true), ev({ type: "snapshot", at: AT, status: s }));
}

afterEach(() => cleanup());

describe("footer notices move on", () => {
  test("the next key that does something clears a notice: a pane switch, /, esc, a move; a key that does nothing keeps it", () => {
    const wrong = run(synced(), key("i"));
    expect(wrong.notice?.text).toBe("i: only on the Installs pane");
    // Switching to the pane it points at, or any other.
    expect(run(wrong, key("2")).notice).toBeNull();
    expect(run(wrong, key("\t", { tab: true })).notice).toBeNull();
    // Opening the filter, and esc out of it.
    const filtering = run(wrong, key("/"));
    expect(filtering.notice).toBeNull();
    expect(run(filtering, key("i"), key("", { escape: true })).notice).toBeNull();
    // The help.
    expect(run(wrong, key("?")).notice).toBeNull();
    // j with a single adapter moves nowhere: nothing happened, so the notice still explains the last key.
    expect(run(wrong, key("j")).notice?.text).toBe("i: only on the Installs pane");
    // Another wrong key gets its own notice.
    expect(run(wrong, key("x")).notice?.text).toBe("x: only on the Installs pane");
  });

  test("an action under way keeps its line through other keys until it ends", () => {
    const s = run(synced(), key("r"));
    expect(s.notice).toMatchObject({ tone: "pending", text: "restarting web…" });
    expect(run(s, key("2"), key("1")).notice).toMatchObject({ tone: "pending", text: "restarting web…" });
  });

  test("on screen: the notice goes with the next pane switch, and by itself a few seconds later on the dashboard's clock", async () => {
    const clock = { t: T0 };
    const bus = new EventBus({ now: () => clock.t });
    const status = { ...runningStatus(), installs: [INSTALL] };
    const m = render(<App source={inProcessSource(bus, () => status)} version="0.1.0" now={() => clock.t} tickMs={10} />);
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "i", "i: only on the Installs pane");
    const installs = await press(m, "2", "whisper:base.en");
    expect(installs).not.toContain("only on the");
    await press(m, "1", "Messages on web");
    await press(m, "i", "i: only on the Installs pane");
    // Time passes on the injected clock: the next tick drops it.
    clock.t = T0 + 5_000;
    await waitForFrame(m.lastFrame, "i: only on the Installs pane", true);
  });
});

describe("sorting by a column the terminal is too narrow for", () => {
  const at = (columns: number) => run(synced(), { kind: "viewport", bodyRows: 19, columns });

  test("says the column is hidden at this width; at a width that shows it, says only how it sorts", () => {
    expect(run(at(80), key("K")).notice?.text).toBe("sorted by kind ↑ (KIND is hidden at 80 columns)");
    expect(run(at(100), key("K")).notice?.text).toBe("sorted by kind ↑");
    expect(run(at(80), key("N")).notice?.text).toBe("sorted by name ↓");
    expect(run(at(80), key("2"), key("Z")).notice?.text).toBe("sorted by size ↓ (SIZE is hidden at 80 columns)");
    expect(run(at(100), key("2"), key("Z")).notice?.text).toBe("sorted by size ↓");
    // o passes the hidden column too, and says so there.
    expect(run(at(80), key("o")).notice?.text).toBe("sorted by kind ↑ (KIND is hidden at 80 columns)");
  });
});

describe("a notice's colour comes from its kind, through one mapping", () => {
  const req = { id: 1, action: "install" as const, name: "whisper:base.en" };
  test("busy elsewhere ('already being installed') reads like an action under way and an installing row; a failure like a failed one", () => {
    const busy = outcomeNotice(req, { outcome: { text: "already being installed by pid 42", kind: "busy" } }, T0);
    expect(noticeProps(busy.tone)).toEqual(toneProps(stateTone("installing")));
    expect(noticeProps(pendingNotice(req).tone)).toEqual(toneProps(stateTone("installing")));
    expect(noticeProps(outcomeNotice(req, { error: "no such target" }, T0).tone)).toEqual(toneProps(stateTone("failed")));
    expect(noticeProps(outcomeNotice(req, { outcome: { text: "installing", kind: "ok" } }, T0).tone)).toEqual(toneProps(stateTone("installed")));
  });
});
