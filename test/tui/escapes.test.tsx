import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { EventBus } from "../../src/core/events.ts";
import { App } from "../../src/tui/App.tsx";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { press, runningStatus, waitForFrame } from "./helpers.ts";

// What a chat user can put in a message id, a name or a text: retitle the terminal (OSC 0, ended
// by BEL, which Ink passes through as it is), clear the screen, move the cursor home, and reorder
// what follows (RLO).
const HOSTILE = "\u001b]0;PWNED\u0007\u001b[2J\u001b[H\u202e";

/** Sequences a terminal would obey; Ink's own colour codes (ESC [ … m) are not among them. */
function obeyed(frame: string): string[] {
  return [/\u001b\]/, /\u0007/, /\u001b\[2J/, /\u001b\[H/, /\u202e/, /\r/].filter((re) => re.test(frame)).map(String);
}

afterEach(() => cleanup());

describe("text from chat users on the dashboard", () => {
  test("a message whose conversation id, sender and text carry escape sequences is drawn with them visible, not obeyed", async () => {
    const bus = new EventBus();
    const status = runningStatus();
    const m = render(<App source={inProcessSource(bus, () => status)} version="0.1.0" />);
    await waitForFrame(m.lastFrame, "No messages on web yet.");
    bus.emit({ type: "message.inbound", adapter: "web", conversation: `c${HOSTILE}`, user: "eve\u0007", text: `hi${HOSTILE}yo` });
    const f = await waitForFrame(m.lastFrame, "← eve");
    expect(obeyed(m.lastFrame()!)).toEqual([]);
    // The operator sees what was sent, as escapes; the long (escaped) id is shortened as any other.
    expect(f).toContain("← eve\\u0007 in c\\u001b]…: hi\\u001b]0;PWNED\\u0007\\u001b[2J\\u001b[H\\u202eyo");
  });

  test("a log record quoting a message id is drawn with its escapes visible, tag included", async () => {
    const bus = new EventBus();
    const status = runningStatus();
    const m = render(<App source={inProcessSource(bus, () => status)} version="0.1.0" />);
    await waitForFrame(m.lastFrame, "● running");
    bus.emit({ type: "log", level: "warn", tag: "hooks\u0007", message: `id a${HOSTILE}b` });
    const f = await press(m, "5", "[hooks");
    expect(obeyed(m.lastFrame()!)).toEqual([]);
    expect(f).toContain("[hooks\\u0007] id a\\u001b]0;PWNED\\u0007\\u001b[2J\\u001b[H\\u202eb");
  });
});
