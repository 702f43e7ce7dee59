import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { BIN, freePort, have, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { ModelServer } from "../helpers/model-server.ts";
import { Tmux } from "../helpers/tmux.ts";
import { waitUntil } from "../helpers/wait.ts";

const logMessages = (sb: Sandbox): string[] =>
  readFileSync(join(sb.home, "logs", "bosun.log"), "utf8")
    .trim()
    .split("\n")
    .flatMap((l) => {
      try {
        return [String(JSON.parse(l).message)];
      } catch {
        return [];
      }
    });

/** Wait until the gateway's log has a record with exactly this message (actions log as they finish). */
async function logged(sb: Sandbox, message: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(() => logMessages(sb).includes(message), () => `log record "${message}"; have:\n${logMessages(sb).slice(-15).join("\n")}`, timeoutMs, 20);
}

/** One control API request as an outside program would make it, with any headers. */
function api(sb: Sandbox, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<number> {
  const token = readFileSync(join(sb.home, "run", "token"), "utf8").trim();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((res, rej) => {
    const req = request(
      { socketPath: join(sb.home, "run", "bosun.sock"), path, method, headers: { authorization: `Bearer ${token}`, ...(payload ? { "content-type": "application/json" } : {}), ...headers } },
      (r) => {
        r.resume();
        r.on("end", () => res(r.statusCode ?? 0));
      },
    );
    req.on("error", rej);
    req.end(payload);
  });
}

const sessions: Tmux[] = [];
afterAll(() => sessions.forEach((s) => s.kill()));

describe("operator actions are logged with where they came from (dist/bosun)", () => {
  test("cli commands, the control API with and without a believable origin, and the attached dashboard's header", async () => {
    const server = await ModelServer.start();
    let open!: () => void;
    const held = server.addFile("/m/held.bin", { size: 4096, seed: 1 }, { hold: new Promise<void>((r) => (open = r)) });
    const small = server.addFile("/m/small.bin", { size: 4096, seed: 2 });
    const custom = (target: string, f: typeof held) => `[[installs.custom]]\ntarget = "${target}"\nurl = "${f.url}"\nsize = ${f.size}\nsha256 = "${f.sha256}"\n\n`;
    const sb = sandbox();
    const webPort = await freePort();
    sb.writeConfig(`[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${webPort}"\n\n` + custom("whisper:held", held) + custom("whisper:small", small));
    // Async throughout: the model server lives in this process.
    expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
    try {
      expect((await sb.runAsync(["adapters", "restart", "web"])).code).toBe(0);
      await logged(sb, "adapter web restarted (cli)");
      expect((await sb.runAsync(["adapters", "stop", "web"])).code).toBe(0);
      await logged(sb, "adapter web stopped (cli)");
      expect((await sb.runAsync(["adapters", "start", "web"])).code).toBe(0);
      await logged(sb, "adapter web started (cli)");

      expect((await sb.runAsync(["install", "whisper:small"])).code).toBe(0);
      await logged(sb, "install whisper:small started (cli)");
      expect((await sb.runAsync(["uninstall", "whisper:small"])).code).toBe(0);
      await logged(sb, "uninstall whisper:small (cli)");

      // What the attached dashboard sends; then a cancel of the install it started.
      expect(await api(sb, "POST", "/v1/installs", { targets: ["whisper:held"] }, { "x-bosun-origin": "dashboard" })).toBe(202);
      await logged(sb, "install whisper:held started (dashboard)");
      await server.requested("/m/held.bin");
      expect(await api(sb, "POST", "/v1/installs/cancel", { target: "whisper:held" }, { "x-bosun-origin": "dashboard" })).toBe(200);
      await logged(sb, "install whisper:held cancelled (dashboard)");
      open();

      // Any other caller is "control API"; a made-up origin is not believed, nor written anywhere.
      expect(await api(sb, "POST", "/v1/adapters/web/restart")).toBe(200);
      await logged(sb, "adapter web restarted (control API)");
      const before = logMessages(sb).filter((m) => m === "adapter web restarted (control API)").length;
      expect(await api(sb, "POST", "/v1/adapters/web/restart", undefined, { "x-bosun-origin": "Evil-Origin-Text <b>" })).toBe(200);
      await waitUntil(() => logMessages(sb).filter((m) => m === "adapter web restarted (control API)").length !== before, "the second restart's log record", 10_000, 20);
      expect(logMessages(sb).filter((m) => m === "adapter web restarted (control API)").length).toBe(before + 1);
      expect(readFileSync(join(sb.home, "logs", "bosun.log"), "utf8")).not.toContain("Evil-Origin-Text");

      // A hostile adapter name is logged as data, quoted, on one line.
      expect(await api(sb, "POST", `/v1/adapters/${encodeURIComponent("no\nsuch\u001b[31m")}/stop`)).toBe(404);
      await logged(sb, 'adapter "no\\u000asuch\\u001b[31m" stop failed (control API): no adapter named "no\\u000asuch\\u001b[31m"');

      // Nobody has conv-1 open yet: the send fails, and says so; with a chat page open it goes through.
      expect((await sb.runAsync(["send", "web", "conv-1", "a private message text"])).code).not.toBe(0);
      expect(logMessages(sb).some((m) => m.startsWith("send through web to conv-1 failed (cli): "))).toBe(true);
      const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws?conversation=conv-1`);
      await new Promise((res, rej) => ((ws.onopen = res), (ws.onerror = rej)));
      expect((await sb.runAsync(["send", "web", "conv-1", "a private message text"])).code).toBe(0);
      await logged(sb, "send through web to conv-1 (cli) (22 characters)");
      ws.close();
      expect(readFileSync(join(sb.home, "logs", "bosun.log"), "utf8")).not.toContain("a private message text");
    } finally {
      open();
      expect((await sb.runAsync(["down"])).code).toBe(0);
      await server.close();
    }
    expect(logMessages(sb)).toContain("shutdown requested (cli)");
  });

  test.skipIf(!have("tmux"))("r in the attached and the in-process dashboard is logged (dashboard)", async () => {
    const sb = sandbox();
    sb.writeConfig(`[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${await freePort()}"\n`);
    const env = Object.entries(sb.env)
      .map(([k, v]) => `${k}='${v.replace(/'/g, "'\\''")}'`)
      .join(" ");
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const attached = Tmux.start(`bosun-oplog-a-${process.pid}`, `cd ${sb.dir} && env ${env} ${BIN} dashboard; sleep 60`);
    sessions.push(attached);
    try {
      await attached.waitFor((s) => /web\s+webchat\s+running/.test(s) && s.includes("attached"), "the attached view");
      attached.keys("r");
      await logged(sb, "adapter web restarted (dashboard)");
      attached.keys("q");
    } finally {
      expect(sb.run(["down"]).code).toBe(0);
    }
    const count = () => logMessages(sb).filter((m) => m === "adapter web restarted (dashboard)").length;
    const inproc = Tmux.start(`bosun-oplog-i-${process.pid}`, `cd ${sb.dir} && env ${env} ${BIN} up; sleep 60`);
    sessions.push(inproc);
    await inproc.waitFor((s) => /web\s+webchat\s+running/.test(s), "the in-process dashboard");
    const before = count();
    inproc.keys("r");
    await waitUntil(() => count() !== before, "the dashboard's restart in the log", 10_000, 20);
    expect(count()).toBe(before + 1);
    inproc.keys("q");
    await logged(sb, "gateway stopping (dashboard closed)");
  });
});
