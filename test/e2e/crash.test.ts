import { describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { processAlive } from "../../src/core/util/process.ts";
import { exited, freePort, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";

const MAIN = resolve(import.meta.dir, "../../src/cli/main.ts");
const PRELOAD = resolve(import.meta.dir, "../helpers/crash-on-signal.ts");
const SECRET = "crash-secret-Value-0123456789";
const config = (port: number) => `[agent]\nprovider = "echo"\napi_key = "\${CRASH_TEXT}"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`;
const RUN_FILES = ["gateway.json", "bosun.sock", "token", "gateway.lock"];

function goneWithin(pid: number, ms = 10_000): Promise<boolean> {
  return waitUntil(() => !processAlive(pid, null), `pid ${pid} to exit`, ms, 20);
}

const recordPid = (sb: Sandbox): number => JSON.parse(readFileSync(join(sb.home, "run", "gateway.json"), "utf8")).pid;
const logText = (sb: Sandbox) => readFileSync(join(sb.home, "logs", "bosun.log"), "utf8");
const lastRecord = (sb: Sandbox) => {
  const lines = logText(sb).trim().split("\n");
  return JSON.parse(lines.at(-1)!);
};

/** bosun from source with the crash-on-signal preload (inherited by the daemon child). */
function fromSource(sb: Sandbox, extra: Record<string, string> = {}) {
  return { cwd: sb.dir, env: { ...sb.env, BUN_OPTIONS: `--preload ${PRELOAD}`, CRASH_TEXT: SECRET, ...extra } };
}

describe("a crash leaves a trace", () => {
  test("kill -9 of a detached gateway: status says crashed with the last log line; up cleans the run files, says so, and works", async () => {
    const sb = sandbox({ CRASH_TEXT: SECRET });
    const port = await freePort();
    sb.writeConfig(config(port));
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const pid = recordPid(sb);
    process.kill(pid, "SIGKILL");
    await goneWithin(pid);

    const text = sb.run(["status"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^bosun\\s+\\S+\\s+crashed\\s+pid ${pid} is gone; last alive at \\d{4}-`, "m"));
    expect(text.stdout).toMatch(/last log \d\d:\d\d:\d\d INFO \[bosun\] gateway ready/);
    const st = JSON.parse(sb.run(["status", "--json"]).stdout);
    expect(st.gateway.state).toBe("crashed");
    expect(st.gateway.pid).toBe(pid);
    expect(Date.parse(st.gateway.crash.lastAliveAt)).toBeGreaterThanOrEqual(Date.parse(st.gateway.startedAt));
    expect(st.gateway.crash.lastLog).toEqual({ at: expect.any(String), level: "info", tag: "bosun", message: expect.stringContaining("gateway ready") });

    const again = sb.run(["up", "--detach"]);
    expect(again.code).toBe(0);
    const cleaned = again.stderr.split("\n").filter((l) => l.startsWith("cleaned up"));
    expect(cleaned).toHaveLength(1);
    expect(cleaned[0]).toContain(`a gateway that crashed (pid ${pid}`);
    for (const f of RUN_FILES) expect(cleaned[0]).toContain(`run/${f}`);
    expect(JSON.parse(sb.run(["status", "--json"]).stdout).gateway.state).toBe("running");
    expect(recordPid(sb)).not.toBe(pid);
    // A clean stop leaves nothing to clean up.
    expect(sb.run(["down"]).code).toBe(0);
    const third = sb.run(["up", "--detach"]);
    expect(third.stderr).not.toContain("cleaned up");
    expect(sb.run(["down"]).code).toBe(0);
  });

  test("down after kill -9 says the gateway crashed (last alive, last log), cleans the run files like up, exits 4", async () => {
    const sb = sandbox({ CRASH_TEXT: SECRET });
    sb.writeConfig(config(await freePort()));
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const pid = recordPid(sb);
    process.kill(pid, "SIGKILL");
    await goneWithin(pid);
    const lastAliveAt = JSON.parse(sb.run(["status", "--json"]).stdout).gateway.crash.lastAliveAt;

    const down = sb.run(["down"]);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain(`the gateway crashed: pid ${pid} is gone; last alive at ${lastAliveAt} (`);
    expect(down.stderr).toMatch(/^last log \d\d:\d\d:\d\d INFO \[bosun\] gateway ready/m);
    expect(down.stderr).toContain("cleaned up after it: removed ");
    for (const f of RUN_FILES) {
      expect(down.stderr).toContain(`run/${f}`);
      expect(existsSync(join(sb.home, "run", f))).toBe(false);
    }
    expect(down.stderr).not.toContain("nothing to stop");
    // Cleaned: status no longer reports a crash, and a second down has nothing left to say about one.
    expect(JSON.parse(sb.run(["status", "--json"]).stdout).gateway.state).toBe("stopped");
    const again = sb.run(["down"]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain("nothing to stop");
    expect(again.stderr).not.toContain("crashed");

    // --json: the same facts as one object on stdout.
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const pid2 = recordPid(sb);
    process.kill(pid2, "SIGKILL");
    await goneWithin(pid2);
    const json = sb.run(["down", "--json"]);
    expect(json.code).toBe(4);
    const body = JSON.parse(json.stdout);
    expect(body).toEqual({
      stopped: false,
      error: { code: "not_running", message: "the gateway is not running: it crashed", hint: "`bosun up` starts it again" },
      crash: { pid: pid2, lastAliveAt: expect.any(String), lastLog: expect.objectContaining({ level: "info", tag: "bosun" }) },
      removed: expect.arrayContaining(RUN_FILES.map((f) => `run/${f}`)),
    });
    expect(sb.run(["up", "--detach"]).stderr).not.toContain("cleaned up");
    expect(sb.run(["down"]).code).toBe(0);
  });

  test("an idle gateway's heartbeat dates the crash: status says when it was last alive, not when it last logged", async () => {
    const sb = sandbox({ CRASH_TEXT: SECRET });
    sb.writeConfig(config(await freePort()).replace("[adapters.web]", "[gateway]\nheartbeat_ms = 100\n\n[adapters.web]"));
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const pid = recordPid(sb);
    const record = join(sb.home, "run", "gateway.json");
    const lastLogWrite = statSync(join(sb.home, "logs", "bosun.log")).mtimeMs;
    // Idle: nothing is logged, yet the record is marked alive again and again.
    await waitUntil(() => statSync(record).mtimeMs >= lastLogWrite + 500, "the running record to be marked alive while idle", 10_000, 20);
    const beat = statSync(record).mtimeMs;
    process.kill(pid, "SIGKILL");
    await goneWithin(pid);
    expect(statSync(join(sb.home, "logs", "bosun.log")).mtimeMs).toBe(lastLogWrite);
    const st = JSON.parse(sb.run(["status", "--json"]).stdout);
    expect(st.gateway.state).toBe("crashed");
    expect(st.gateway.crash).not.toHaveProperty("at");
    const lastAlive = Date.parse(st.gateway.crash.lastAliveAt);
    expect(lastAlive).toBeGreaterThanOrEqual(Math.floor(beat));
    expect(lastAlive - lastLogWrite).toBeGreaterThanOrEqual(500);
    expect(Date.now() - lastAlive).toBeLessThan(5_000);
    expect(sb.run(["status"]).stdout).toContain(`last alive at ${st.gateway.crash.lastAliveAt} (`);
  });

  test("the runtime's own crash report (SIGABRT) reaches the log through the daemon's stderr; status shows its headline", async () => {
    const sb = sandbox({ CRASH_TEXT: SECRET });
    sb.writeConfig(config(await freePort()));
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const pid = recordPid(sb);
    process.kill(pid, "SIGABRT");
    await goneWithin(pid);
    // Bun names the thread when it knows it ("panic(main thread): abort() called"), and not always.
    const headline = /panic(\([^)]*\))?: abort\(\) called/;
    expect(logText(sb)).toMatch(headline);
    const st = JSON.parse(sb.run(["status", "--json"]).stdout);
    expect(st.gateway.state).toBe("crashed");
    expect(st.gateway.crash.lastLog).toMatchObject({ at: null, level: null, tag: null });
    expect(st.gateway.crash.lastLog.message).toMatch(new RegExp(`^${headline.source}$`));
    expect(sb.run(["status"]).stdout).toMatch(new RegExp(`last log ${headline.source}`));
    expect(sb.run(["up", "--detach"]).stderr).toContain("cleaned up after a gateway that crashed");
    expect(sb.run(["down"]).code).toBe(0);
  });

  test("an uncaught exception in the detached daemon is logged with its stack (redacted) and ends it; status shows it", async () => {
    const sb = sandbox({ CRASH_TEXT: SECRET });
    sb.writeConfig(config(await freePort()));
    const up = spawnSync(process.execPath, [MAIN, "up", "--detach"], { ...fromSource(sb), encoding: "utf8", timeout: 20_000 });
    expect(up.status).toBe(0);
    const pid = recordPid(sb);
    process.kill(pid, "SIGUSR2");
    await goneWithin(pid);
    const rec = lastRecord(sb);
    expect(rec).toEqual(expect.objectContaining({ level: "error", tag: "crash" }));
    expect(rec.message).toStartWith("gateway crashed: uncaught exception: Error: test explosion [redacted]");
    expect(rec.message).toContain("crash-on-signal.ts"); // the stack
    expect(logText(sb)).not.toContain(SECRET);
    // The record stays, so the real binary tells the user what happened.
    for (const f of ["gateway.json", "gateway.lock"]) expect(existsSync(join(sb.home, "run", f))).toBe(true);
    const st = JSON.parse(sb.run(["status", "--json"]).stdout);
    expect(st.gateway.state).toBe("crashed");
    expect(st.gateway.crash.lastLog.message).toContain("uncaught exception: Error: test explosion");
    expect(sb.run(["status"]).stdout).toContain("ERROR [crash] gateway crashed: uncaught exception: Error: test explosion [redacted]");
  });

  test("an unhandled rejection in a foreground up is logged and exits 1", async () => {
    const sb = sandbox({ CRASH_TEXT: SECRET });
    sb.writeConfig(config(await freePort()));
    const child = spawn(process.execPath, [MAIN, "up"], { ...fromSource(sb, { CRASH_KIND: "reject" }), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before the ready line: ${stderr}`);
        return stderr.includes("gateway ready");
      },
      () => `the ready line; stderr: ${stderr}`,
      20_000,
      20,
    );
    child.kill("SIGUSR2");
    expect(await exited(child)).toBe(1);
    expect(stderr).toContain("gateway crashed: unhandled rejection: Error: test rejection [redacted]");
    expect(lastRecord(sb).message).toStartWith("gateway crashed: unhandled rejection: Error: test rejection [redacted]");
    expect(JSON.parse(sb.run(["status", "--json"]).stdout).gateway.state).toBe("crashed");
  });
});
