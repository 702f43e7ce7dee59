import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BIN, freePort, have, sandbox, webchatTurn } from "../helpers/bosun.ts";
import { Tmux } from "../helpers/tmux.ts";

const sessions: Tmux[] = [];
afterAll(() => sessions.forEach((s) => s.kill()));

const shellEnv = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([k, v]) => `${k}='${v.replace(/'/g, "'\\''")}'`)
    .join(" ");

describe.skipIf(!have("tmux"))("dashboard in a real terminal (tmux, dist/bosun)", () => {
  test("in-process: shows webchat running, a message going through, switches panes, quits cleanly", async () => {
    const sb = sandbox();
    const port = await freePort();
    sb.writeConfig(`[agent]\nprovider = "echo"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);
    const t = Tmux.start(`bosun-inproc-${process.pid}`, `cd ${sb.dir} && env ${shellEnv(sb.env)} ${BIN} up; echo "EXITED rc=$?"; sleep 60`);
    sessions.push(t);
    await t.waitFor((s) => /web\s+webchat\s+running/.test(s), "the webchat adapter running");
    expect(t.screen()).toContain("provider echo");

    expect(await webchatTurn(port, "tmuxconv", "hello from tmux")).toBe("echo: hello from tmux");
    await t.waitFor((s) => s.includes("hello from tmux") && s.includes("echo: hello from tmux"), "the message and its reply");

    t.keys("5");
    await t.waitFor((s) => s.includes("gateway ready"), "the Logs pane");
    t.keys("2");
    await t.waitFor((s) => /Nothing installed yet|TARGET\s+STATE/.test(s), "the Installs pane");
    t.keys("?");
    await t.waitFor((s) => s.includes("Keys"), "the help overlay");
    t.keys("Escape");
    t.keys("q");
    const end = await t.waitFor((s) => s.includes("EXITED"), "bosun to exit");
    expect(end).toContain("EXITED rc=0");
    // The terminal is restored: no dashboard frame is left behind the exit line.
    expect(end).not.toContain("tab/1-5");
    for (const f of ["bosun.sock", "gateway.json", "gateway.lock"]) expect(existsSync(join(sb.home, "run", f))).toBe(false);
  });

  test("SIGTERM while the in-process dashboard is open stops the gateway cleanly and restores the terminal", async () => {
    const sb = sandbox();
    sb.writeConfig(`[agent]\nprovider = "echo"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${await freePort()}"\n`);
    const t = Tmux.start(`bosun-sigterm-${process.pid}`, `cd ${sb.dir} && env ${shellEnv(sb.env)} ${BIN} up; echo "EXITED rc=$?"; sleep 60`);
    sessions.push(t);
    await t.waitFor((s) => /web\s+webchat\s+running/.test(s), "the dashboard");
    const { pid } = JSON.parse(require("node:fs").readFileSync(join(sb.home, "run", "gateway.json"), "utf8"));
    process.kill(pid, "SIGTERM");
    const end = await t.waitFor((s) => s.includes("EXITED"), "bosun to exit");
    expect(end).toContain("EXITED rc=0");
    expect(end).not.toContain("tab/1-5");
    for (const f of ["bosun.sock", "gateway.json", "gateway.lock"]) expect(existsSync(join(sb.home, "run", f))).toBe(false);
  });

  test("attached: `bosun dashboard` follows a detached gateway and survives its restart", async () => {
    const sb = sandbox();
    const port = await freePort();
    sb.writeConfig(`[agent]\nprovider = "echo"\n[adapters.chat]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const t = Tmux.start(`bosun-attach-${process.pid}`, `cd ${sb.dir} && env ${shellEnv(sb.env)} ${BIN} dashboard; echo "EXITED rc=$?"; sleep 60`);
    sessions.push(t);
    try {
      await t.waitFor((s) => /chat\s+webchat\s+running/.test(s) && s.includes("attached"), "the attached view");
      await webchatTurn(port, "attached", "over the socket");
      await t.waitFor((s) => s.includes("echo: over the socket"), "the reply streamed over /v1/events");
      expect(sb.run(["down"]).code).toBe(0);
      await t.waitFor((s) => /no connection/i.test(s), "the dashboard noticing the gateway left");
      expect(sb.run(["up", "--detach"]).code).toBe(0);
      await t.waitFor((s) => /chat\s+webchat\s+running/.test(s) && !/no connection/i.test(s), "the dashboard reattaching");
      t.keys("q");
      expect(await t.waitFor((s) => s.includes("EXITED"), "the dashboard to exit")).toContain("EXITED rc=0");
      // Quitting an attached dashboard leaves the gateway running.
      expect(JSON.parse(sb.run(["status", "--json"]).stdout).gateway.state).toBe("running");
    } finally {
      sb.run(["down"]);
    }
  });
});
