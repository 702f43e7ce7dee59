import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { EventBus } from "../../src/core/events.ts";
import type { Status } from "../../src/core/status.ts";
import { App } from "../../src/tui/App.tsx";
import { runDashboard } from "../../src/tui/run.tsx";
import { type DashboardSource } from "../../src/tui/source.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { fakeTerminal } from "./fakeTerminal.ts";
import { plain, renderInTerminal, runningStatus, waitForFrame, waitForInput, waitUntil } from "./helpers.ts";

/** An in-test source over a real EventBus, counting subscriptions so unmounting is observable. */
function testSource(status: Status = runningStatus()) {
  const bus = new EventBus();
  const inner = inProcessSource(bus, () => status);
  let subscribed = 0;
  let connection: ((c: boolean) => void) | undefined;
  const source: DashboardSource = {
    mode: "in-process",
    subscribe(listener, onConnection) {
      subscribed++;
      connection = onConnection;
      const off = inner.subscribe(listener, onConnection);
      return () => {
        subscribed--;
        off();
      };
    },
  };
  return {
    bus,
    source,
    subscribed: () => subscribed,
    setConnected: (c: boolean) => connection?.(c),
  };
}

function mount(status?: Status, props: { onQuit?: () => void; built?: Parameters<typeof App>[0]["built"] } = {}) {
  const t = testSource(status);
  const r = render(<App source={t.source} version="0.1.0" onQuit={props.onQuit} built={props.built} />);
  return { ...t, ...r, frame: () => plain(r.lastFrame()) };
}

/** Write keys only once Ink listens, then let the frame settle on `expected`. */
async function press(m: ReturnType<typeof mount>, keys: string, expected: string) {
  await waitForInput(m.stdin);
  m.stdin.write(keys);
  return waitForFrame(m.lastFrame, expected);
}

afterEach(() => cleanup());

describe("dashboard", () => {
  test("header shows gateway state, version, provider, uptime and config path", async () => {
    const m = mount();
    const f = await waitForFrame(m.lastFrame, "● running");
    expect(f).toContain("bosun 0.1.0");
    expect(f).toContain("provider openai");
    expect(f).toMatch(/up 1m 0[4-9]s/);
    expect(f).toContain("config /home/me/.config/bosun/bosun.toml");
    expect(f).toContain("in-process");
  });

  test("no config file reads as the embedded default", async () => {
    const s = runningStatus();
    s.gateway.configPath = null;
    const m = mount(s);
    expect(await waitForFrame(m.lastFrame, "● running")).toContain("config embedded default");
  });

  test("config error is shown in the header as file:line:col message", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    m.bus.emit({
      type: "config.error",
      error: { file: "/etc/bosun.toml", line: 7, column: 3, key: "adapters.web.lisen", message: 'unknown key "lisen" (did you mean "listen"?)', hint: "fix the file" },
    });
    const f = await waitForFrame(m.lastFrame, '/etc/bosun.toml:7:3 unknown key "lisen"');
    expect(f).toContain("config error");
    expect(f).toContain("hint: fix the file");
    m.bus.emit({ type: "config.reloaded", configPath: "/etc/bosun.toml" });
    await waitForFrame(m.lastFrame, "config error", true);
  });

  test("adapters pane lists an adapter with its state, and follows state changes", async () => {
    const m = mount();
    const f = await waitForFrame(m.lastFrame, "webchat");
    expect(f).toMatch(/web\s+webchat\s+running\s+0/);
    const base = runningStatus().adapters[0]!;
    m.bus.emit({ type: "adapter.state", adapter: { ...base, state: "backoff", restarts: 2, lastError: "EADDRINUSE 127.0.0.1:7420", nextRetryAt: new Date(Date.now() + 4000).toISOString() } });
    const g = await waitForFrame(m.lastFrame, "backoff");
    expect(g).toMatch(/web\s+webchat\s+backoff\s+2/);
    expect(g).toContain("last error: EADDRINUSE 127.0.0.1:7420");
    expect(g).toMatch(/retry in \ds/);
    expect(g).toContain("1 Adapters!");
  });

  test("a message going through appears live under its adapter", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "No messages on web yet.");
    m.bus.emit({ type: "message.inbound", adapter: "web", conversation: "browser-1", user: "alice", text: "hello bosun" });
    const f = await waitForFrame(m.lastFrame, "hello bosun");
    expect(f).toMatch(/← alice in browser-1: hello bosun/);
    // IN counts the message and says how long ago the last one came; nothing went out yet.
    expect(f).toMatch(/web\s+webchat\s+running\s+0\s+\S+\s+\S+\s+1 · now\s+—/);
    m.bus.emit({ type: "message.outbound", adapter: "web", conversation: "browser-1", text: "hi alice" });
    expect(await waitForFrame(m.lastFrame, "→ bosun in browser-1: hi alice")).toContain("hello bosun");
  });

  test("j/k select another adapter and its messages", async () => {
    const s = runningStatus();
    s.adapters.push({ ...s.adapters[0]!, name: "xirc", kind: "irc" });
    const m = mount(s);
    await waitForFrame(m.lastFrame, "Messages on web");
    m.bus.emit({ type: "message.inbound", adapter: "xirc", conversation: "#bosun", user: "bob", text: "over irc" });
    m.bus.emit({ type: "message.inbound", adapter: "web", conversation: "b-1", user: "alice", text: "over web" });
    expect(await waitForFrame(m.lastFrame, "over web")).not.toContain("over irc");
    const f = await press(m, "j", "Messages on xirc");
    expect(f).toContain("over irc");
    expect(f).not.toContain("over web");
    expect(f).toMatch(/›xirc/);
    await press(m, "k", "Messages on web");
  });

  test("several keys read in one chunk each count (held-down j)", async () => {
    const s = runningStatus();
    s.adapters.push({ ...s.adapters[0]!, name: "x2" }, { ...s.adapters[0]!, name: "x3" });
    const m = mount(s);
    await waitForFrame(m.lastFrame, "Messages on web");
    expect(await press(m, "jj", "Messages on x3")).toMatch(/›x3/);
    await press(m, "\t\t", "`bosun sessions` lists them");
  });

  test("2 switches to Installs; a pane not built yet says so; tab and shift+tab cycle", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    const f = await press(m, "2", "Nothing installed yet — press i to pick a model or voice.");
    expect(f).not.toContain("webchat");
    await press(m, "\t", "`bosun sessions` lists them");
    await press(m, "\u001B[Z", "Nothing installed yet");
    await press(m, "1", "webchat");
    await press(m, "\u001B[Z", "No log lines yet.");
  });

  test("the Installs pane renders installs from status; turned off, it says it is not built", async () => {
    const off = mount(undefined, { built: { installs: false } });
    await waitForFrame(off.lastFrame, "● running");
    await press(off, "2", "Installs arrive with the model installer (not built yet).");
    off.unmount();
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    await press(m, "2", "Nothing installed yet");
    m.bus.emit({
      type: "install.state",
      install: { target: "whisper:base.en", state: "installing", progress: 40, downloadedBytes: 60 * 1024 * 1024, totalBytes: 148 * 1024 * 1024, stage: "downloading", error: null },
    });
    const f = await waitForFrame(m.lastFrame, "installing");
    expect(f).toMatch(/whisper:base\.en\s+installing\s+█+░+  40%/);
    expect(f).toContain("60.0/148.0 MiB");
  });

  test("logs pane shows log events with level and tag, and scrolls back with k", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    m.bus.emit({ type: "log", level: "warn", tag: "supervisor", message: "adapter web restarting" });
    m.bus.emit({ type: "log", level: "info", tag: "gateway", message: "ready" });
    const f = await press(m, "5", "adapter web restarting");
    expect(f).toMatch(/WARN\s+\[supervisor\] adapter web restarting/);
    expect(f).toMatch(/INFO\s+\[gateway\] ready/);
    const g = await press(m, "k", "1 newer line below");
    expect(g).not.toContain("[gateway] ready");
    await press(m, "j", "[gateway] ready");
  });

  test("? shows help and toggles it off again", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "webchat");
    const f = await press(m, "?", "jump to a pane");
    expect(f).not.toContain("webchat");
    // Taller than the body: it scrolls to its last rows.
    expect(await press(m, "jjjjjjjj", "quit the dashboard")).not.toContain("jump to a pane");
    await press(m, "?", "webchat");
    await press(m, "?", "jump to a pane");
    await press(m, "\u001B", "webchat");
  });

  test("q calls onQuit and unmounts the app", async () => {
    let quits = 0;
    const m = mount(undefined, { onQuit: () => quits++ });
    await waitForFrame(m.lastFrame, "webchat");
    expect(m.subscribed()).toBe(1);
    await waitForInput(m.stdin);
    m.stdin.write("q");
    await waitUntil(() => quits === 1, () => `onQuit called ${quits} times`);
    // Unmounting ran the effect cleanups: the source subscription is gone.
    await waitUntil(() => m.subscribed() === 0, () => "source still subscribed after quit");
    // Nothing listens to keys any more, so a second q (written synchronously to listeners) quits nothing.
    await waitUntil(() => m.stdin.listenerCount("readable") === 0 && m.stdin.listenerCount("data") === 0, () => "Ink still listens on stdin after quit");
    m.stdin.write("q");
    expect(quits).toBe(1);
  });

  test("ctrl+c quits too", async () => {
    let quits = 0;
    const m = mount(undefined, { onQuit: () => quits++ });
    await waitForInput(m.stdin);
    m.stdin.write("\u0003");
    await waitUntil(() => quits === 1, () => "ctrl+c did not quit");
  });

  test("a lost connection is shown, and a new snapshot restores the view", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "● running");
    m.setConnected(false);
    const f = await waitForFrame(m.lastFrame, "● gateway gone since");
    expect(f).toContain("last known state");
    expect(f).toContain("webchat");
    const fresh = runningStatus();
    fresh.gateway.provider = "echo";
    m.bus.emit({ type: "snapshot", status: fresh });
    m.setConnected(true);
    expect(await waitForFrame(m.lastFrame, "● running")).toContain("provider echo");
  });

  test.each([
    ["false", false],
    ["undefined (a pipe)", undefined],
  ])("with stdin.isTTY %s it renders read-only and never touches raw mode", async (_, isTTY) => {
    const t = testSource();
    const term = fakeTerminal(isTTY);
    const instance = renderInTerminal(<App source={t.source} version="0.1.0" />, term);
    try {
      // "● running" arrives via an effect, so by then Ink has also run useInput's effects.
      await waitUntil(
        () => plain(term.stdout.written).includes("● running"),
        () => `never rendered the snapshot; output:\n${plain(term.stdout.written)}`,
      );
      const out = plain(term.stdout.written);
      expect(out).toContain("read-only: stdin is not a terminal");
      expect(out).not.toContain("Raw mode");
      expect(term.stdin.listenerCount("readable")).toBe(0);
      expect(term.stdin.rawModeCalls).toEqual([]);
    } finally {
      instance.unmount();
    }
  });
});

describe("runDashboard", () => {
  test("resolves on q, restores the terminal first, then calls onQuit", async () => {
    const t = testSource();
    const term = fakeTerminal(true);
    let rawAtQuit: boolean | undefined;
    let listenersAtQuit = -1;
    const done = runDashboard({
      source: t.source,
      version: "0.1.0",
      ...term.io,
      onQuit: () => {
        rawAtQuit = term.stdin.isRaw;
        listenersAtQuit = term.stdin.listenerCount("readable");
      },
    });
    await waitForInput(term.stdin);
    expect(term.stdin.isRaw).toBe(true);
    term.stdin.write("q");
    await done;
    expect(rawAtQuit).toBe(false);
    expect(listenersAtQuit).toBe(0);
    expect(t.subscribed()).toBe(0);
  });

  test("an abort signal closes it without counting as a user quit", async () => {
    const t = testSource();
    const term = fakeTerminal(true);
    const ac = new AbortController();
    let quits = 0;
    const done = runDashboard({ source: t.source, version: "0.1.0", ...term.io, signal: ac.signal, onQuit: () => quits++ });
    await waitForInput(term.stdin);
    ac.abort();
    await done;
    expect(quits).toBe(0);
    expect(term.stdin.isRaw).toBe(false);
    expect(t.subscribed()).toBe(0);
  });
});
