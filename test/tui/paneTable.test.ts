import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DEFAULT_BUILT } from "../../src/tui/App.tsx";
import { PANE_INFO, PANE_TITLES, PANES, perPane } from "../../src/tui/panes.ts";
import { initialDashboardState } from "../../src/tui/state.ts";

const SCRATCH = join(import.meta.dir, "scratch-pane");

describe("the pane table", () => {
  test("every per-pane record is filled from the pane list, in tab order", () => {
    expect(PANES).toEqual(["adapters", "installs", "sessions", "integrations", "logs"]);
    const s = initialDashboardState("0.1.0");
    expect(Object.keys(s.selected)).toEqual([...PANES]);
    expect(Object.keys(s.filters)).toEqual([...PANES]);
    expect(DEFAULT_BUILT).toEqual({ adapters: true, installs: true, sessions: true, integrations: true, logs: true });
    expect(Object.values(PANE_TITLES)).toEqual(["Adapters", "Installs", "Sessions", "Integrations", "Logs"]);
    expect(perPane((p) => PANE_INFO[p].title.length)).toEqual({ adapters: 8, installs: 8, sessions: 8, integrations: 12, logs: 4 });
  });

  test("a pane added to panes.ts alone gets its cursor, filter, tab, digit and 'not built' line with no other file changed", () => {
    // A child bun whose panes.ts has one more entry (plugin.ts rewrites it as it loads); nothing else differs.
    const r = spawnSync(process.execPath, ["--preload", "./plugin.ts", "./probe.tsx"], { cwd: SCRATCH, encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    const seen = JSON.parse(r.stdout);
    expect(seen.panes).toEqual(["adapters", "installs", "sessions", "integrations", "scratch", "logs"]);
    expect(seen.selected).toMatchObject({ scratch: 0, logs: 0 });
    expect(seen.filters).toMatchObject({ scratch: "", logs: "" });
    expect(seen.built).toMatchObject({ scratch: false, logs: true });
    expect(seen.pane).toBe("scratch");
    expect(seen.rows).toBe(0);
    expect(seen.notice).toBe("/: nothing to filter on the Scratch pane");
    expect(seen.tabs).toContain("5 Scratch");
    expect(seen.tabs).toContain("6 Logs");
    expect(seen.notBuilt).toBe("Scratch arrives with this test (not built yet).");
  });
});
