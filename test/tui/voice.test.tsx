// Voice in the dashboard: `voice` in the header when a voice message would be transcribed (the
// sidecar is built and a Whisper model is installed), and "🎤 transcribing…" on a session's row
// while its voice message is being transcribed (voice.transcribing events from the runtime).
import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { EventBus } from "../../src/core/events.ts";
import { reduceStatus } from "../../src/core/status-reducer.ts";
import type { SessionInfo } from "../../src/core/sessions/store.ts";
import { App } from "../../src/tui/App.tsx";
import type { SessionReads } from "../../src/tui/source.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { plain, press, runningStatus, waitForFrame, waitUntil } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");

function info(conversation: string, adapter = "tg"): SessionInfo {
  return {
    id: `${conversation}00000000`.slice(0, 8),
    key: `${adapter}:${conversation}`,
    adapter,
    conversation,
    thread: null,
    title: null,
    state: "active",
    createdAt: T0 - 3_600_000,
    lastActivityAt: T0 - 2_000,
    messageCount: 2,
    tokensIn: 10,
    tokensOut: 20,
    lastErrorType: null,
    lastErrorAt: null,
    waiting: 0,
    pendingOut: 0,
    deadOut: 0,
  };
}

/** The dashboard on a bus, its status folded from the events like the gateway's own. */
function mount() {
  const now = () => T0;
  const bus = new EventBus({ now });
  let status = runningStatus({ startedAt: new Date(T0 - 65_000).toISOString() });
  bus.on((e) => (status = reduceStatus(status, e)));
  const list = [info("5151"), info("6262")];
  const sessions: SessionReads = {
    sessions: async () => ({ sessions: list.map((s) => ({ ...s })), nextCursor: null }),
    session: async () => {
      throw new Error("not here");
    },
  };
  const source = { ...inProcessSource(bus, () => status), sessions };
  const r = render(<App source={source} version="0.1.0" now={now} tickMs={20} />);
  return { ...r, bus, frame: () => plain(r.lastFrame()) };
}

afterEach(() => cleanup());

/** The header's first line (state, uptime, voice, provider). */
const headLine = (frame: string) => frame.split("\n").find((l) => l.includes("● running")) ?? "";

describe("voice in the dashboard", () => {
  test("the header says voice once the sidecar is built and a Whisper model is installed, and not after it is gone", async () => {
    const m = mount();
    const first = await waitForFrame(m.lastFrame, "● running");
    expect(headLine(plain(first))).toMatch(/up 1m 05s\s+provider/);
    // A sidecar but no model: not yet.
    m.bus.emit({ type: "voice.state", voice: { sidecar: true, stt: null, tts: null } });
    m.bus.emit({ type: "log", level: "info", tag: "t", message: "marker one" });
    await press(m, "5", "marker one");
    expect(headLine(m.frame())).toMatch(/up 1m 05s\s+provider/);
    m.bus.emit({ type: "voice.state", voice: { stt: "whisper:base.en" } });
    await waitUntil(() => /up 1m 05s\s+voice\s+provider/.test(headLine(m.frame())), () => `no voice in the header:\n${m.frame()}`);
    m.bus.emit({ type: "voice.state", voice: { stt: null } });
    await waitUntil(() => /up 1m 05s\s+provider/.test(headLine(m.frame())), () => `voice still in the header:\n${m.frame()}`);
  });

  test("a session's row shows 🎤 transcribing… while its voice message is transcribed, and only that row", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "3", "6262");
    expect(m.frame()).not.toContain("transcribing");
    m.bus.emit({ type: "voice.transcribing", session: "tg:5151", active: true });
    await waitUntil(() => m.frame().includes("🎤 transcribing…"), () => `no transcribing:\n${m.frame()}`);
    const rows = m.frame().split("\n");
    expect(rows.find((l) => l.includes("5151"))).toContain("🎤 transcribing…");
    expect(rows.find((l) => l.includes("6262"))).not.toContain("transcribing");
    m.bus.emit({ type: "voice.transcribing", session: "tg:5151", active: false });
    await waitUntil(() => !m.frame().includes("transcribing"), () => `still transcribing:\n${m.frame()}`);
  });
});
