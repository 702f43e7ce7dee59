import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { EventBus } from "../../src/core/events.ts";
import type { AdapterStatus, Status } from "../../src/core/status.ts";
import { App } from "../../src/tui/App.tsx";
import { type DashboardActions } from "../../src/tui/source.ts";
import { inProcessSource } from "../helpers/dashboard-source.ts";
import { fakeTerminal } from "./fakeTerminal.ts";
import { plain, press, renderInTerminal, runningStatus, waitForFrame, waitForInput, waitForMatch, waitUntil } from "./helpers.ts";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** A dashboard on a fake clock that only moves when the test moves it. */
function mount(opts: { actions?: DashboardActions; status?: Status } = {}) {
  const clock = { t: T0 };
  const now = () => clock.t;
  const bus = new EventBus({ now });
  const status = opts.status ?? statusAt(T0);
  const source = inProcessSource(bus, () => status, opts.actions);
  // A fast tick, so moving the fake clock shows within milliseconds.
  const r = render(<App source={source} version="0.1.0" now={now} tickMs={20} />);
  return { ...r, bus, clock, frame: () => plain(r.lastFrame()) };
}

type Mounted = ReturnType<typeof mount>;

/** runningStatus, with its one adapter ("web", running for a minute) on the fake clock. */
function statusAt(t: number): Status {
  const s = runningStatus({ startedAt: iso(t - 65_000) });
  s.adapters[0] = { ...s.adapters[0]!, since: iso(t - 60_000), fingerprint: "f1e2d3c4b5a69788" };
  return s;
}

function web(patch: Partial<AdapterStatus>): AdapterStatus {
  return { ...statusAt(T0).adapters[0]!, ...patch };
}

/** Records every call; each reply comes from `reply`. */
function fakeActions(reply: (action: string, name: string) => Promise<string> = async (action) => (action === "stop" ? "stopped" : "running")) {
  const calls: string[] = [];
  const actions: DashboardActions = {
    adapter(action, name) {
      calls.push(`${action} ${name}`);
      return reply(action, name).then((text) => (text === "still-starting" ? { text: "still starting", kind: "busy" as const } : { text, kind: text === "failed" ? ("failure" as const) : ("ok" as const) }));
    },
  };
  return { actions, calls };
}



afterEach(() => cleanup());

describe("adapters table", () => {
  test("a running adapter shows its uptime and message ages", async () => {
    const m = mount();
    await waitForMatch(m, /web\s+webchat\s+running\s+0\s+1m 00s\s+—\s+—/);
    m.bus.emit({ type: "message.inbound", adapter: "web", conversation: "c1", user: "alice", text: "hi" });
    m.clock.t += 12_000;
    // IN: how many came in, and how long ago the last one did.
    expect(await waitForMatch(m, /running\s+0\s+1m 12s\s+1 · 12s\s+—/)).toMatch(/NAME↑\s+KIND\s+STATE\s+RESTARTS\s+UPTIME\s+IN\s+OUT\s+DETAIL/);
    m.bus.emit({ type: "message.outbound", adapter: "web", conversation: "c1", text: "hello" });
    m.bus.emit({ type: "message.inbound", adapter: "web", conversation: "c1", user: "alice", text: "thanks" });
    m.clock.t += 180_000;
    await waitForMatch(m, /running\s+0\s+4m 12s\s+2 · 3m\s+1 · 3m/);
  });

  test("backoff shows a live retry countdown and the last error; no uptime", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "running");
    m.bus.emit({
      type: "adapter.state",
      adapter: web({ state: "backoff", restarts: 3, since: iso(T0), lastError: "connect ECONNREFUSED 127.0.0.1:6697", nextRetryAt: iso(T0 + 12_000) }),
    });
    // The error is cut to fit 100 columns; the line under the table has it whole.
    const f = await waitForMatch(m, /›web\s+webchat\s+backoff\s+3\s+—\s+—\s+—\s+retry in 12s connect ECON…\n/);
    expect(f).toContain("last error: connect ECONNREFUSED 127.0.0.1:6697  retry in 12s");
    // The countdown follows the dashboard's clock tick, with no event in between.
    m.clock.t += 1_000;
    await waitForMatch(m, /backoff\s+3\s+—\s+—\s+—\s+retry in 11s connect/);
    m.clock.t += 20_000;
    await waitForMatch(m, /backoff\s+3\s+—\s+—\s+—\s+retrying… connect/);
  });

  test("failed is shown with its error too", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "running");
    m.bus.emit({ type: "adapter.state", adapter: web({ state: "failed", restarts: 10, lastError: "401 Unauthorized", nextRetryAt: iso(T0 + 60_000) }) });
    expect(await waitForMatch(m, /failed\s+10\s+—\s+—\s+—\s+retry in 1m 00s 401 Unaut/)).toContain("1 Adapters!");
  });

  test("a narrow terminal drops the less important columns but keeps state and detail", async () => {
    const bus = new EventBus({ now: () => T0 });
    const s = statusAt(T0);
    s.adapters[0] = web({ state: "backoff", lastError: "EADDRINUSE", nextRetryAt: iso(T0 + 5_000) });
    const term = fakeTerminal(false);
    term.stdout.columns = 60;
    const instance = renderInTerminal(<App source={inProcessSource(bus, () => s)} version="0.1.0" now={() => T0} />, term);
    try {
      await waitUntil(
        () => plain(term.stdout.written).includes("retry in 5s"),
        () => `never rendered the countdown; output:\n${plain(term.stdout.written)}`,
      );
      const written = plain(term.stdout.written);
      // Debug mode writes every frame in full; the last one is what is on screen.
      const out = written.slice(written.lastIndexOf("bosun 0.1.0"));
      expect(out).toMatch(/NAME↑\s+STATE\s+RESTARTS\s+UPTIME\s+DETAIL\n/);
      expect(out).not.toContain("KIND");
      expect(out).toMatch(/›web\s+backoff\s+0\s+—\s+retry in 5s EADD…\n/);
      for (const line of out.split("\n")) expect(line.length).toBeLessThanOrEqual(60);
    } finally {
      instance.unmount();
    }
  });
});

describe("adapter control keys", () => {
  test("r restarts the selected adapter: a line while it runs, then the outcome, which expires", async () => {
    let release: (outcome: string) => void = () => {};
    const a = fakeActions(() => new Promise((resolve) => (release = resolve)));
    const m = mount({ actions: a.actions });
    await waitForFrame(m.lastFrame, "webchat");
    await press(m, "r", "restarting web…");
    // The line shows as soon as the key is handled; the action runs in an effect after that render.
    await waitUntil(
      () => a.calls.length > 0,
      () => "the restart was never asked for",
    );
    expect(a.calls).toEqual(["restart web"]);
    release("running");
    expect(await waitForFrame(m.lastFrame, "web: running")).not.toContain("restarting web…");
    // Gone a few seconds later, on the clock's tick.
    m.clock.t += 10_000;
    await waitForFrame(m.lastFrame, "web: running", true);
    expect(m.frame()).toContain("r restart");
  });

  test("s stops a running adapter, and starts a stopped one", async () => {
    const s0 = statusAt(T0);
    s0.adapters.push({ ...s0.adapters[0]!, name: "xirc", kind: "irc" });
    const a = fakeActions();
    const m = mount({ actions: a.actions, status: s0 });
    await waitForFrame(m.lastFrame, "webchat");
    // Another channel still runs, so this one stops without a question.
    await press(m, "s", "web: stopped");
    expect(a.calls).toEqual(["stop web"]);
    m.bus.emit({ type: "adapter.state", adapter: web({ state: "stopped", since: iso(T0) }) });
    await waitForMatch(m, /web\s+webchat\s+stopped/);
    await press(m, "s", "web: running");
    expect(a.calls).toEqual(["stop web", "start web"]);
  });

  test("s on the only running channel asks first: n keeps it, y stops it, another key withdraws the question", async () => {
    const a = fakeActions();
    const m = mount({ actions: a.actions });
    await waitForFrame(m.lastFrame, "webchat");
    await press(m, "s", "web is the only running channel: stop it? y/n");
    expect(await press(m, "n", "kept web running")).not.toContain("stop it?");
    await press(m, "s", "stop it? y/n");
    // Any other key withdraws the question; a y after that is just a y.
    m.stdin.write("j");
    await waitForFrame(m.lastFrame, "stop it?", true);
    m.stdin.write("y");
    await press(m, "s", "stop it? y/n");
    await press(m, "y", "web: stopped");
    expect(a.calls).toEqual(["stop web"]);
  });

  test("a rejected action shows its message, and the next action still runs", async () => {
    let fail = true;
    const a = fakeActions(async () => {
      if (fail) throw new Error("adapter web is restarting already; try again in a moment");
      return "still-starting";
    });
    const m = mount({ actions: a.actions });
    await waitForFrame(m.lastFrame, "webchat");
    await press(m, "r", "adapter web is restarting already; try again in a moment");
    fail = false;
    await press(m, "r", "web: still starting");
    expect(a.calls).toEqual(["restart web", "restart web"]);
  });

  test("r acts on the selected row", async () => {
    const s = statusAt(T0);
    s.adapters.push({ ...s.adapters[0]!, name: "xirc", kind: "irc" });
    const a = fakeActions();
    const m = mount({ actions: a.actions, status: s });
    await waitForFrame(m.lastFrame, "Messages on web");
    await press(m, "j", "Messages on xirc");
    await press(m, "r", "xirc: running");
    expect(a.calls).toEqual(["restart xirc"]);
  });

  test("r and s are ignored while the help is open", async () => {
    const a = fakeActions();
    const m = mount({ actions: a.actions });
    await waitForFrame(m.lastFrame, "webchat");
    const help = await press(m, "?", "toggle this help");
    expect(help).toContain("Adapters: restart the adapter; Integrations: refresh");
    expect(help).not.toContain("Read-only view");
    await waitForInput(m.stdin);
    m.stdin.write("r");
    m.stdin.write("s");
    // Keys are handled in order, so once the help has closed r and s have been seen.
    const f = await press(m, "?", "webchat");
    expect(a.calls).toEqual([]);
    expect(f).not.toContain("restarting");
    expect(f).not.toContain("stopping");
  });

  test("without actions, r and s say it is a read-only view", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "webchat");
    await press(m, "r", "read-only view");
    m.clock.t += 10_000;
    await waitForFrame(m.lastFrame, "read-only view", true);
    await press(m, "s", "read-only view");
    await press(m, "?", "Read-only view: r, s, i, x and u are not available");
  });
});

describe("adapter detail view", () => {
  test("enter shows the full status and the state transitions, newest last; esc closes it", async () => {
    const a = fakeActions();
    const m = mount({ actions: a.actions });
    await waitForFrame(m.lastFrame, "webchat");
    m.clock.t = T0 + 4_000;
    await waitForFrame(m.lastFrame, "up 1m 09s");
    m.bus.emit({
      type: "adapter.state",
      at: iso(T0 + 1_000),
      adapter: web({ state: "backoff", restarts: 1, since: iso(T0 + 1_000), lastError: "EADDRINUSE 127.0.0.1:7420", nextRetryAt: iso(T0 + 3_000) }),
    });
    m.bus.emit({ type: "message.inbound", at: iso(T0 + 1_500), adapter: "web", conversation: "c1", user: "alice", text: "are you there?" });
    m.bus.emit({
      type: "adapter.state",
      at: iso(T0 + 3_000),
      adapter: web({ state: "running", restarts: 1, since: iso(T0 + 3_000), lastInboundAt: iso(T0 + 1_500) }),
    });
    await waitForMatch(m, /web\s+webchat\s+running\s+1/);

    const f = await press(m, "\r", "Recent events on web");
    expect(f).toMatch(/restarts\s+1/);
    expect(f).toMatch(/fingerprint\s+f1e2d3c4b5a69788/);
    expect(f).toMatch(/messages in\s+1 · 2s ago \(\d\d:\d\d:\d\d\)/);
    expect(f).toMatch(/since\s+1s ago/);
    expect(f).toMatch(/next retry\s+—/);
    const lines = f.split("\n");
    const first = lines.findIndex((l) => /● — → running/.test(l));
    const down = lines.findIndex((l) => /● running → backoff\s+restarts 1\s+EADDRINUSE 127\.0\.0\.1:7420/.test(l));
    const msg = lines.findIndex((l) => l.includes("← alice in c1: are you there?"));
    const up = lines.findIndex((l) => /● backoff → running/.test(l));
    expect([first, down, msg, up].every((i) => i > 0)).toBe(true);
    expect(first < down && down < msg && msg < up).toBe(true);
    expect(f).not.toContain("KIND");

    // r works in the detail view, on the adapter shown.
    await press(m, "r", "web: running");
    expect(a.calls).toEqual(["restart web"]);

    await press(m, "\u001B", "Messages on web");
    expect(m.frame()).not.toContain("Recent events");
    // enter toggles it too.
    await press(m, "\r", "Recent events on web");
    await press(m, "\r", "Messages on web");
  });

  test("the last error is shown whole, where the table truncates it", async () => {
    const long = `TLS handshake with irc.libera.chat:6697 failed: ${"certificate chain could not be verified ".repeat(3)}FINALWORD`;
    const m = mount();
    await waitForFrame(m.lastFrame, "webchat");
    m.bus.emit({ type: "adapter.state", adapter: web({ state: "failed", restarts: 10, lastError: long, nextRetryAt: iso(T0 + 60_000) }) });
    expect(await waitForFrame(m.lastFrame, "retry in 1m 00s")).not.toContain("FINALWORD");
    const f = await press(m, "\r", "FINALWORD");
    expect(f).toMatch(/next retry\s+retry in 1m 00s/);
    expect(f).toContain("TLS handshake with irc.libera.chat:6697 failed");
  });

  test("the detail view follows new transitions live and closes when its adapter is removed", async () => {
    const m = mount();
    await waitForFrame(m.lastFrame, "webchat");
    await press(m, "\r", "Recent events on web");
    m.bus.emit({ type: "adapter.state", adapter: web({ state: "stopping" }) });
    m.bus.emit({ type: "adapter.state", adapter: web({ state: "stopped" }) });
    await waitForFrame(m.lastFrame, "stopping → stopped");
    m.bus.emit({ type: "adapter.removed", name: "web" });
    await waitForFrame(m.lastFrame, "No adapters configured");
  });
});
