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

    // The Sessions pane: the conversation's row, its transcript, and s stopping then starting it.
    t.keys("3");
    await t.waitFor((s) => /ADAPTER\s+TITLE\s+STATE/.test(s) && /›\s*web\s+.+\s+idle\s+\S+\s+2\s/.test(s), "the Sessions pane with the conversation");
    t.keys("Enter");
    await t.waitFor((s) => /\d\d:\d\d:\d\d user hello from tmux/.test(s) && /assistant.* echo: hello from tmux/.test(s), "the transcript");
    t.keys("Escape");
    await t.waitFor((s) => s.includes("PROBLEM"), "back to the table");
    t.keys("s");
    await t.waitFor((s) => /web:tmuxconv: stopped/.test(s) && /web\s+.+\s+stopped/.test(s), "s stopping the session");
    t.keys("s");
    await t.waitFor((s) => /web:tmuxconv: idle/.test(s), "s starting it again");

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

  test("at 80x24: every view fits, the help scrolls to its last rows, / filters, keys on the wrong pane say so, s asks", async () => {
    const sb = sandbox();
    const port = await freePort();
    sb.writeConfig(`[agent]\nprovider = "echo"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);
    const t = Tmux.start(`bosun-80x24-${process.pid}`, `cd ${sb.dir} && env ${shellEnv(sb.env)} ${BIN} up; echo "EXITED rc=$?"; sleep 60`, 80, 24);
    sessions.push(t);
    /** The whole frame is on screen: the header on the first row, the footer's last hints on the last. */
    const fits = (s: string) => {
      const lines = s.replace(/\n+$/, "").split("\n");
      return lines.length <= 24 && lines[0]!.startsWith("bosun ") && /q quit|ctrl\+c quit/.test(lines.at(-1)!);
    };
    await t.waitFor((s) => /web\s+running/.test(s) && fits(s), "the Adapters pane, whole");
    expect(await webchatTurn(port, "a-rather-long-conversation-id-from-a-browser", "hi at 80 columns")).toBe("echo: hi at 80 columns");
    const traffic = await t.waitFor((s) => s.includes("echo: hi at 80 columns"), "the message under the adapter");
    expect(traffic).toMatch(/web\s+running\s+0\s+\S+(?: \S+)?\s+1 · \S+\s+1 · \S+/);
    expect(traffic).toContain("in a-rather…: hi at 80 columns");

    t.keys("?");
    const top = await t.waitFor((s) => s.includes("Keys") && fits(s), "the help");
    for (const k of ["1-5", "j/k or", "enter", "│ r ", "│ s ", "│ /"]) expect(top).toContain(k);
    t.keys("j", "j", "j", "j", "j", "j");
    const bottom = await t.waitFor((s) => s.includes("quit the dashboard") && fits(s), "the help's last rows");
    expect(bottom).toMatch(/q or ctrl\+c\s+quit the dashboard/);
    t.keys("Escape");
    await t.waitFor((s) => /web\s+running/.test(s), "the help closed");

    for (const [key, text] of [["2", "Nothing installed yet"], ["3", "Sessions"], ["5", "gateway ready"]] as const) {
      t.keys(key);
      await t.waitFor((s) => s.includes(text) && fits(s), `pane ${key}`);
    }
    t.keys("/", "z", "z", "z");
    await t.waitFor((s) => s.includes('No log lines match "zzz"') && s.includes("enter keep"), "the Logs filter");
    t.keys("Escape");
    await t.waitFor((s) => s.includes("gateway ready"), "the filter cleared");

    t.keys("1");
    await t.waitFor((s) => /web\s+running/.test(s), "the Adapters pane");
    t.keys("i");
    await t.waitFor((s) => s.includes("i: only on the Installs pane"), "a key that does not apply here saying so");
    t.keys("s");
    await t.waitFor((s) => s.includes("web is the only running channel: stop it? y/n"), "s asking first");
    t.keys("n");
    await t.waitFor((s) => s.includes("kept web running"), "n keeping it running");
    t.keys("q");
    expect(await t.waitFor((s) => s.includes("EXITED"), "bosun to exit")).toContain("EXITED rc=0");
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
      // The log written before we attached is there: the gateway replays its recent records.
      t.keys("5");
      await t.waitFor((s) => s.includes("gateway ready") && s.includes("webchat listening"), "the Logs pane with the log so far");
      t.keys("1");
      await webchatTurn(port, "attached", "over the socket");
      await t.waitFor((s) => s.includes("echo: over the socket"), "the reply streamed over /v1/events");
      // Live records arrive too.
      expect(sb.run(["adapters", "restart", "chat"]).code).toBe(0);
      t.keys("5");
      await t.waitFor((s) => s.includes("[bosun] adapter chat restarted (cli)"), "a live log line about the restart");
      t.keys("1");
      expect(sb.run(["down"]).code).toBe(0);
      const gone = await t.waitFor((s) => /gateway gone since \d\d:\d\d:\d\d/.test(s), "the dashboard noticing the gateway left");
      expect(gone).toContain("reconnecting…");
      // The clocks stop: the uptime shown when it went stays as it was, while the header counts
      // how long ago that was. Two seconds on the dashboard's own clock, so a running uptime
      // (shown to the second) would have moved.
      const uptime = (s: string) => s.match(/chat\s+webchat\s+\S+\s+\d+\s+(\S+(?: \S+s)?)/)?.[1];
      const frozen = uptime(gone);
      expect(frozen).toMatch(/\d+s$/);
      const goneFor = (s: string) => Number(s.match(/gateway gone since \d\d:\d\d:\d\d \((\d+)s ago\)/)?.[1] ?? -1);
      const later = await t.waitFor((s) => goneFor(s) >= 2, "the header counting two seconds since the gateway left");
      expect(uptime(later)).toBe(frozen);
      expect(sb.run(["up", "--detach"]).code).toBe(0);
      await t.waitFor((s) => /chat\s+webchat\s+running/.test(s) && !/gateway gone/.test(s), "the dashboard reattaching");
      t.keys("q");
      expect(await t.waitFor((s) => s.includes("EXITED"), "the dashboard to exit")).toContain("EXITED rc=0");
      // Quitting an attached dashboard leaves the gateway running.
      expect(JSON.parse(sb.run(["status", "--json"]).stdout).gateway.state).toBe("running");
    } finally {
      sb.run(["down"]);
    }
  });
});
