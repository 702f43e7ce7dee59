import { afterEach, describe, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { formatWithOptions } from "node:util";
import { createConsola, type LogObject } from "consola";
import { mcpServerSchema } from "../../src/core/config/integrations-schema.ts";
import { createMcpSource } from "../../src/core/integrations/mcp/source.ts";
import type { ToolSource } from "../../src/core/integrations/types.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { pidAlive } from "../../src/core/util/process.ts";
import { waitUntil } from "../helpers/wait.ts";

const ROOT = resolve(import.meta.dir, "../..");
const FIXTURE = join(ROOT, "test/fixtures/mcp-fixture.mjs");
const FS_SERVER = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
const never = new AbortController().signal;

// Short supervision timings through config, as a user could set them.
const FAST = { backoff_initial_ms: 20, backoff_max_ms: 100, healthy_after_ms: 60_000, start_timeout_ms: 10_000, stop_timeout_ms: 3_000 };

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bosun-mcp-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Started {
  source: ToolSource;
  logs: string[];
  changes: string[];
}

/** A source over `raw` config (parsed as the config loader would), started, stopped after the test. */
function start(name: string, raw: Record<string, unknown>, random: () => number = Math.random): Started {
  const logs: string[] = [];
  const log = createConsola({
    level: 5,
    reporters: [{ log: (o: LogObject) => void logs.push(`${o.type} [${o.tag}] ${formatWithOptions({}, ...(o.args as unknown[]))}`) }],
  });
  const source = createMcpSource(name, mcpServerSchema.parse({ ...FAST, ...raw }), { log, clock: systemClock, random, env: {} });
  const changes: string[] = [];
  source.onChange((why) => changes.push(why));
  source.start();
  cleanup.push(() => source.stop());
  return { source, logs, changes };
}

/** The fixture over stdio, writing its pid to a file. */
function fixture(name: string, env: Record<string, string> = {}, extra: Record<string, unknown> = {}, random?: () => number) {
  const pidFile = join(tempDir(), "pid");
  const s = start(name, { command: ["node", FIXTURE], env: { FIXTURE_PID_FILE: pidFile, ...env }, ...extra }, random);
  const pid = async () => Number(await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, "utf8"), "the fixture's pid file"));
  return { ...s, pidFile, pid };
}

const running = (s: ToolSource) => waitUntil(() => s.health().state === "running", () => `running (now ${JSON.stringify(s.health())})`, 15_000);

describe("MCP source over stdio (the SDK fixture)", () => {
  test("lists its tools and runs them; results become text for the model", async () => {
    const { source, logs } = fixture("fx");
    await running(source);
    const tools = await source.list(never);
    expect(tools.map((t) => t.name)).toContain("echo");
    const echo = tools.find((t) => t.name === "echo")!;
    expect(echo.inputSchema).toEqual({ type: "object", properties: { text: { type: "string" } }, required: ["text"] });

    expect(await source.call("echo", { text: "hello" }, never)).toEqual({ text: "hello", isError: false });
    const mixed = await source.call("mixed", {}, never);
    expect(mixed.text).toBe("first\n[image image/png, 1234 bytes]\n[resource file:///x.txt]\nhello\nsecond");
    expect(await source.call("structured", {}, never)).toEqual({ text: '{"answer":42}', isError: false });
    const big = await source.call("big", { chars: 100_000 }, never);
    expect(big.text.length).toBeLessThan(64_100);
    expect(big.text).toContain("[... cut: 36000 more characters]");

    // A throwing tool and an unknown one are error results, not exceptions.
    const thrown = await source.call("throw", { message: "disk on fire" }, never);
    expect(thrown.isError).toBe(true);
    expect(thrown.text).toContain("disk on fire");
    expect((await source.call("no_such_tool", {}, never)).isError).toBe(true);

    // stderr goes to the log under the server's name, one line at a time, bounded.
    await source.call("stderr", { line: `warning: ${"y".repeat(2_000)}` }, never);
    const line = await waitUntil(() => logs.find((l) => l.includes("warning: yyy")), "the stderr line in the log");
    expect(line).toContain("[mcp:fx]");
    expect(line.length).toBeLessThan(600);

    // A chatty server cannot flood the log: 100 lines a window, the rest counted.
    await source.call("stderr", { line: "spam spam", count: 300 }, never);
    const spam = () => logs.filter((l) => l.includes("spam spam")).length;
    await waitUntil(() => spam() >= 99 || null, "the first stderr lines in the log");
    await source.call("echo", { text: "sync" }, never);
    expect(spam()).toBeLessThanOrEqual(100);
  });

  test("every page of tools/list is read (250 extra tools, 100 a page)", async () => {
    const { source } = fixture("many", { FIXTURE_TOOLS: "250" });
    await running(source);
    const names = (await source.list(never)).map((t) => t.name);
    expect(names.length).toBe(259);
    expect(new Set(names).size).toBe(259);
    expect(names).toContain("tool_249");
  });

  test("a server that hands out cursors for ever: the listing stops at its page bound and says so", async () => {
    const { source } = fixture("endless", { FIXTURE_MODE: "endless" });
    await running(source);
    await expect(source.list(never)).rejects.toThrow("tools/list of endless went past 50 pages; stopped there");
    expect(source.health().state).toBe("running");
  });

  test("tools/list_changed calls onChange and the next listing has the new tool", async () => {
    const { source, changes } = fixture("grow");
    await running(source);
    expect((await source.list(never)).map((t) => t.name)).not.toContain("fresh_tool");
    expect((await source.call("add_tool", { name: "fresh_tool" }, never)).isError).toBe(false);
    await waitUntil(() => changes.includes("tools/list_changed"), () => `list_changed (changes: ${changes})`);
    expect((await source.list(never)).map((t) => t.name)).toContain("fresh_tool");
  });

  test("kill -9 of the server: it leaves running, says so, cannot list, then restarts by itself", async () => {
    const { source, changes, pid, pidFile } = fixture("crashy");
    await running(source);
    const first = await pid();
    expect(changes).toEqual(["connected"]);
    rmSync(pidFile);
    process.kill(first, "SIGKILL");
    await waitUntil(() => changes.some((c) => c.startsWith("down:")), () => `a down change (changes: ${changes})`);
    expect(changes.find((c) => c.startsWith("down:"))).toContain("killed by SIGKILL");
    // Either still down or already back: a listing must never use a dead connection.
    if (source.health().state !== "running") await expect(source.list(never)).rejects.toThrow(/not running/);
    await waitUntil(() => changes.filter((c) => c === "connected").length === 2, () => `a reconnect (changes: ${changes})`, 15_000);
    expect(source.health().restarts).toBe(1);
    const second = await pid();
    expect(second).not.toBe(first);
    expect((await source.list(never)).map((t) => t.name)).toContain("echo");
  });

  test("while down, list throws and call is an error result", async () => {
    // A long backoff keeps it down long enough to look.
    const { source, changes, pid } = fixture("down", {}, { backoff_initial_ms: 60_000, backoff_max_ms: 60_000 });
    await running(source);
    process.kill(await pid(), "SIGKILL");
    await waitUntil(() => source.health().state === "backoff", "backoff");
    expect(changes.at(-1)).toStartWith("down:");
    await expect(source.list(never)).rejects.toThrow("MCP server down is not running (backoff: killed by SIGKILL)");
    const r = await source.call("echo", { text: "x" }, never);
    expect(r.isError).toBe(true);
    expect(r.text).toContain("not running");
  });

  test("a call that times out is an error result, and the source still works after it", async () => {
    const { source, pid } = fixture("slow", {}, { call_timeout_ms: 300, stop_timeout_ms: 400 });
    await running(source);
    expect(await source.call("slow", { ms: 10_000 }, never)).toEqual({ text: "tool slow timed out after 300 ms", isError: true });
    expect(await source.call("echo", { text: "still here" }, never)).toEqual({ text: "still here", isError: false });
    expect(source.health().state).toBe("running");
    // The server is still busy with the slow call and stays up after its stdin ends: stop kills it
    // at stop_timeout_ms instead of the SDK's 2 s + 2 s.
    const p = await pid();
    const t0 = Date.now();
    await source.stop();
    expect(Date.now() - t0).toBeLessThan(1_500);
    await waitUntil(() => !pidAlive(p), "the busy server's process to end");
  });

  test("a server that exits during a call: the call says so, the server comes back", async () => {
    const { source, changes } = fixture("quits");
    await running(source);
    const r = await source.call("exit", { code: 3 }, never);
    expect(r).toEqual({ text: "MCP server quits went down during the call of exit", isError: true });
    await waitUntil(() => changes.filter((c) => c === "connected").length === 2, () => `a reconnect (changes: ${changes})`, 15_000);
    expect(changes.find((c) => c.startsWith("down:"))).toBe("down: exited (code 3)");
  });

  test("a result past the SDK's 10 MB message bound says so, and the server comes back", async () => {
    const { source, changes } = fixture("huge");
    await running(source);
    const r = await source.call("big", { chars: 11_000_000 }, never);
    expect(r.isError).toBe(true);
    expect(r.text).toContain("larger than the 10 MB");
    await waitUntil(() => source.health().state === "running" && changes.filter((c) => c === "connected").length === 2, () => `a reconnect (changes: ${changes})`, 15_000);
    expect((await source.call("echo", { text: "after" }, never)).text).toBe("after");
  });

  test("a server that crashes at start: backoff, then failed after failed_after, with its last stderr line", async () => {
    const { source } = fixture("broken", { FIXTURE_MODE: "crash" }, { failed_after: 3 });
    const states: string[] = [];
    await waitUntil(() => {
      const h = source.health();
      if (states.at(-1) !== h.state) states.push(h.state);
      return h.state === "failed";
    }, () => `failed (seen ${states}, now ${JSON.stringify(source.health())})`, 15_000);
    expect(states).toContain("backoff");
    const h = source.health();
    expect(h.lastError).toBe("exited (code 1): fixture: cannot open database /nonexistent/db.sqlite");
    expect(h.restarts).toBeGreaterThanOrEqual(2);
    // Restarts go on at the cap.
    await waitUntil(() => source.health().restarts >= h.restarts + 2, "more restarts after failed", 10_000);
    await expect(source.list(never)).rejects.toThrow("cannot open database");
  });

  test("a server that stayed up healthy_after_ms starts counting failures afresh", async () => {
    // Two kills with failed_after = 2: without the reset the second would show `failed`. The
    // injected random restarts at once after the first and waits the whole 60 s cap after the
    // second, so the state after it stays put to be looked at.
    for (const [healthy, after] of [[1, "backoff"], [60_000, "failed"]] as const) {
      let draws = 0;
      const random = () => (draws++ === 0 ? 0 : 1);
      const supervision = { failed_after: 2, healthy_after_ms: healthy, backoff_initial_ms: 60_000, backoff_max_ms: 60_000 };
      const { source, changes, pid, pidFile } = fixture(`healthy-${healthy}`, {}, supervision, random);
      for (let kill = 1; kill <= 2; kill++) {
        await waitUntil(() => changes.filter((c) => c === "connected").length === kill, () => `connect ${kill} (changes: ${changes})`, 15_000);
        const p = await pid();
        rmSync(pidFile);
        process.kill(p, "SIGKILL");
        await waitUntil(() => changes.filter((c) => c.startsWith("down:")).length === kill, () => `down ${kill} (changes: ${changes})`);
      }
      await waitUntil(() => source.health().state !== "running", "not running");
      // The state is set right after the restart delay is drawn.
      await waitUntil(() => draws === 2, "the second restart delay");
      expect(source.health().state).toBe(after);
      await source.stop();
    }
  });

  test("a command that does not exist: a failure saying so", async () => {
    const { source } = start("ghost", { command: ["bosun-no-such-command-7f3a", "--x"], failed_after: 2 });
    await waitUntil(() => source.health().state === "failed", () => `failed (now ${JSON.stringify(source.health())})`);
    expect(source.health().lastError).toBe("command not found: bosun-no-such-command-7f3a");
  });

  test("a server that never answers initialize fails after start_timeout_ms, and its process is gone", async () => {
    const { source, pid } = fixture("mute", { FIXTURE_MODE: "mute" }, { start_timeout_ms: 300, backoff_initial_ms: 60_000, backoff_max_ms: 60_000 });
    const p = await pid();
    await waitUntil(() => source.health().state === "backoff", () => `backoff (now ${JSON.stringify(source.health())})`);
    expect(source.health().lastError).toBe("no answer to initialize within 300 ms");
    await waitUntil(() => !pidAlive(p), "the silent server's process to end");
  });

  test("stop() ends the server process for good", async () => {
    const { source, changes, pid } = fixture("stopme");
    await running(source);
    const p = await pid();
    expect(pidAlive(p)).toBe(true);
    await source.stop();
    expect(pidAlive(p)).toBe(false);
    expect(source.health().state).toBe("stopped");
    source.start(); // a stopped source never starts again
    expect(source.health().state).toBe("stopped");
    await expect(source.list(never)).rejects.toThrow("not running (stopped)");
    expect(changes).toEqual(["connected"]);
  });

  test("stop() while the server is still starting leaves no process behind", async () => {
    const { source, pid } = fixture("early", { FIXTURE_MODE: "mute" });
    const p = await pid();
    await source.stop();
    await waitUntil(() => !pidAlive(p), "the starting server's process to end");
    expect(source.health().state).toBe("stopped");
  });
});

describe("MCP source against @modelcontextprotocol/server-filesystem", () => {
  test("reads a file in its directory; a path outside comes back as an error result", async () => {
    const dir = tempDir();
    const allowed = join(dir, "shared");
    mkdirSync(allowed);
    writeFileSync(join(allowed, "note.txt"), "the launch code is 0000\n");
    writeFileSync(join(dir, "secret.txt"), "outside\n");
    const { source } = start("files", { command: ["node", FS_SERVER, allowed] });
    await running(source);
    const names = (await source.list(never)).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["read_text_file", "write_file", "list_directory"]));
    const ok = await source.call("read_text_file", { path: join(allowed, "note.txt") }, never);
    expect(ok).toEqual({ text: "the launch code is 0000\n", isError: false });
    const denied = await source.call("read_text_file", { path: join(dir, "secret.txt") }, never);
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain("Access denied");
    expect(denied.text).not.toContain("outside\n");
  });
});

describe("MCP source over Streamable HTTP", () => {
  async function httpFixture(): Promise<{ url: string; child: ChildProcess }> {
    const portFile = join(tempDir(), "port");
    const child = spawn("node", [FIXTURE], { env: { ...process.env, FIXTURE_MODE: "http", FIXTURE_PORT_FILE: portFile, FIXTURE_TOKEN: "tok-3141592653" }, stdio: "ignore" });
    cleanup.push(() => child.kill("SIGKILL"));
    const port = await waitUntil(() => existsSync(portFile) && readFileSync(portFile, "utf8"), "the HTTP fixture's port");
    return { url: `http://127.0.0.1:${port}/mcp`, child };
  }

  test("lists and calls through url, with the configured header", async () => {
    const { url } = await httpFixture();
    const { source, changes } = start("web", { url, headers: { "x-fixture-token": "tok-3141592653" } });
    await running(source);
    expect(changes).toEqual(["connected"]);
    expect((await source.list(never)).map((t) => t.name)).toContain("echo");
    expect(await source.call("echo", { text: "over http" }, never)).toEqual({ text: "over http", isError: false });
  });

  test("a rejected header is a start failure that does not show the header's value", async () => {
    const { url } = await httpFixture();
    const { source } = start("web-bad", { url, headers: { "x-fixture-token": "wrong-secret-value" }, failed_after: 1 });
    await waitUntil(() => source.health().state === "failed", () => `failed (now ${JSON.stringify(source.health())})`);
    expect(source.health().lastError).toContain("bad token");
    expect(source.health().lastError).not.toContain("wrong-secret-value");
  });

  test("a server that went away: the failed request drops the connection and supervision reconnects", async () => {
    const first = await httpFixture();
    const { source, changes } = start("web-gone", { url: first.url, headers: { "x-fixture-token": "tok-3141592653" } });
    await running(source);
    first.child.kill("SIGKILL");
    await waitUntil(() => first.child.exitCode !== null || first.child.signalCode !== null, "the HTTP fixture to die");
    await expect(source.list(never)).rejects.toThrow(/tools\/list of web-gone failed/);
    await waitUntil(() => changes.some((c) => c.startsWith("down:")), () => `a down change (changes: ${changes})`);
  });
});
