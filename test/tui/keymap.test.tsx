/**
 * One keymap (issue 9): the footer's hints, the `?` help and what a key does are all read from
 * KEYMAP, so a key added there shows in all three without touching Footer, HelpOverlay or keys.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { EventBus } from "../../src/core/events.ts";
import { App } from "../../src/tui/App.tsx";
import { controlKeysText, helpRows, hintsFor, KEYMAP, type Binding } from "../../src/tui/keymap.ts";
import { keyToAction } from "../../src/tui/keys.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { plain, press, runningStatus, waitForFrame } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");

/** A key no one would ship: z, from the Logs pane to Sessions. */
const ZAP: Binding = {
  modes: ["pane"],
  keys: "z",
  help: "zap over to the Sessions pane",
  hints: [{ mode: "pane", text: "z zap", when: (v) => v.pane === "logs", rank: 15 }],
  press: (input) => (input === "z" ? { kind: "pane", pane: "sessions" } : null),
};

/** Run `fn` with ZAP in the keymap, just before the help's esc row. */
async function withZap(fn: () => Promise<void> | void): Promise<void> {
  const at = KEYMAP.findIndex((b) => b.keys === "esc");
  KEYMAP.splice(at, 0, ZAP);
  try {
    await fn();
  } finally {
    KEYMAP.splice(KEYMAP.indexOf(ZAP), 1);
  }
}

/** A read-only dashboard (no actions) over a running gateway. */
function mount() {
  const bus = new EventBus({ now: () => T0 });
  const source = inProcessSource(bus, () => runningStatus());
  const r = render(<App source={source} version="0.1.0" now={() => T0} />);
  return { ...r, frame: () => plain(r.lastFrame()) };
}

afterEach(() => cleanup());

describe("the keymap drives keys, footer and help", () => {
  test("a key added to the table is handled, hinted in the footer and listed in the help", async () => {
    await withZap(async () => {
      expect(keyToAction("z", {})).toEqual({ kind: "pane", pane: "sessions" });
      // Not over the help, not while typing into a filter.
      expect(keyToAction("z", {}, { help: true })).toBeNull();
      expect(keyToAction("z", {}, { filtering: true })).toEqual({ kind: "filter", op: "type", text: "z" });
      expect(hintsFor("pane", { pane: "logs", detail: false, filtered: false })).toEqual(["j/k move", "z zap", "/ filter", "tab/1-5 pane", "? help", "q quit"]);
      expect(hintsFor("pane", { pane: "adapters", detail: false, filtered: false })).not.toContain("z zap");
      expect(helpRows().map(([k]) => k)).toContain("z");

      const m = mount();
      await waitForFrame(m.lastFrame, "● running");
      await press(m, "5", "No log lines yet.");
      expect(m.frame()).toContain("j/k move · z zap · / filter");
      await press(m, "?", "zap over to the Sessions pane");
      expect(m.frame()).toMatch(/^│ z\s+zap over to the Sessions pane/m);
      await press(m, "\u001b", "No log lines yet.");
      await press(m, "z", "No sessions yet");
    });
    // Gone from all three once it leaves the table.
    expect(keyToAction("z", {})).toBeNull();
    expect(hintsFor("pane", { pane: "logs", detail: false, filtered: false })).not.toContain("z zap");
    expect(helpRows().map(([k]) => k)).not.toContain("z");
  });

  test("a key that acts on the gateway is named in the read-only view's help", async () => {
    expect(controlKeysText()).toBe("r, s, i, x and u");
    const zapControl: Binding = { ...ZAP, control: true };
    KEYMAP.splice(KEYMAP.findIndex((b) => b.keys === "esc"), 0, zapControl);
    try {
      expect(controlKeysText()).toBe("r, s, i, x, u and z");
      const m = mount();
      await waitForFrame(m.lastFrame, "● running");
      await press(m, "?", "Read-only view: r, s, i, x, u and z are not available here.");
    } finally {
      KEYMAP.splice(KEYMAP.indexOf(zapControl), 1);
    }
  });
});
