import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { BIN, exited, freePort, sandbox, waitForLine, webchatTurn } from "../helpers/bosun.ts";
import { listeningAddresses } from "../helpers/proc.ts";

const webConfig = (port: number) => `[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`;

function rawGet(socket: string, path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ socketPath: socket, path, headers: token ? { authorization: `Bearer ${token}` } : {} }, (r) => {
      let body = "";
      r.on("data", (d) => (body += d));
      r.on("end", () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on("error", rej);
    req.end();
  });
}

describe("gateway lifecycle (dist/bosun)", () => {
  test("up --detach, status, a webchat turn, down leaves nothing behind", async () => {
    const sb = sandbox();
    const port = await freePort();
    sb.writeConfig(webConfig(port));
    const up = sb.run(["up", "--detach"]);
    expect(up.code).toBe(0);
    expect(up.stderr).toContain("gateway running in the background");

    const st = sb.run(["status", "--json"]);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.gateway.state).toBe("running");
    expect(status.gateway.provider).toBe("echo");
    expect(status.adapters).toEqual([expect.objectContaining({ name: "web", kind: "webchat", state: "running", restarts: 0 })]);

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<form");
    expect(await webchatTurn(port, "e2e-conv", "hello bosun")).toBe("echo: hello bosun");
    expect(await webchatTurn(port, "e2e-conv", "/help")).toContain("/reset");

    const after = JSON.parse(sb.run(["status", "--json"]).stdout);
    expect(after.adapters[0].lastInboundAt).not.toBeNull();
    expect(after.adapters[0].lastOutboundAt).not.toBeNull();

    const run = join(sb.home, "run");
    expect(statSync(join(run, "bosun.sock")).mode & 0o777).toBe(0o600);
    expect(statSync(join(run, "token")).mode & 0o777).toBe(0o600);
    expect(statSync(sb.home).mode & 0o777).toBe(0o700);
    expect(listeningAddresses(status.gateway.pid).every((a) => a.startsWith("127.") || a.startsWith("[::1]"))).toBe(true);

    const down = sb.run(["down"]);
    expect(down.code).toBe(0);
    for (const f of ["bosun.sock", "gateway.json", "gateway.lock"]) expect(existsSync(join(run, f))).toBe(false);
    const stopped = JSON.parse(sb.run(["status", "--json"]).stdout);
    expect(stopped.gateway.state).toBe("stopped");
    expect(sb.run(["down"]).code).toBe(4);
  });

  test("a second up on the same home is refused, naming the running pid", async () => {
    const sb = sandbox();
    sb.writeConfig(webConfig(await freePort()));
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const { pid } = JSON.parse(readFileSync(join(sb.home, "run", "gateway.json"), "utf8"));
    const second = sb.run(["up"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`already running`);
    expect(second.stderr).toContain(`pid ${pid}`);
    expect(sb.run(["down"]).code).toBe(0);
  });

  test("a stale lock whose pid is dead is taken over", async () => {
    const sb = sandbox();
    sb.writeConfig(webConfig(await freePort()));
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(join(sb.home, "run"), { recursive: true });
    writeFileSync(join(sb.home, "run", "gateway.lock"), JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: "2020-01-01T00:00:00Z" }));
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    expect(sb.run(["down"]).code).toBe(0);
  });

  test("a lock and record left before a reboot, whose pid now belongs to another process, are stale", async () => {
    const sb = sandbox();
    sb.writeConfig(webConfig(await freePort()));
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const { spawn } = await import("node:child_process");
    const { processStartTicks } = await import("../../src/core/util/process.ts");
    // An unrelated live process now has the pid the old gateway had; it started at another time.
    const other = spawn("sleep", ["30"]);
    try {
      const procStart = processStartTicks(other.pid!)! + 1;
      mkdirSync(join(sb.home, "run"), { recursive: true });
      writeFileSync(join(sb.home, "run", "gateway.lock"), JSON.stringify({ pid: other.pid, startedAt: "2020-01-01T00:00:00Z", procStart }));
      writeFileSync(join(sb.home, "run", "gateway.json"), JSON.stringify({ pid: other.pid, procStart, version: "0", socket: join(sb.home, "run", "bosun.sock"), configPath: null, startedAt: "2020-01-01T00:00:00Z" }));
      // Not running: the record's pid now names another process. It did not stop cleanly either.
      expect(JSON.parse(sb.run(["status", "--json"]).stdout).gateway.state).toBe("crashed");
      expect(sb.run(["up", "--detach"]).code).toBe(0);
      expect(sb.run(["down"]).code).toBe(0);
      expect(other.exitCode).toBeNull(); // `down` stopped our gateway, not the process that has the old pid
    } finally {
      other.kill();
    }
  });

  test("the control socket answers 401 without the token", async () => {
    const sb = sandbox();
    sb.writeConfig(webConfig(await freePort()));
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    const socket = join(sb.home, "run", "bosun.sock");
    expect((await rawGet(socket, "/v1/status")).status).toBe(401);
    expect((await rawGet(socket, "/v1/status", "wrong-token")).status).toBe(401);
    const token = readFileSync(join(sb.home, "run", "token"), "utf8").trim();
    const ok = await rawGet(socket, "/v1/status", token);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).gateway.state).toBe("running");
    expect(sb.run(["down"]).code).toBe(0);
  });

  test("SIGTERM stops a foreground gateway cleanly", async () => {
    const sb = sandbox();
    sb.writeConfig(webConfig(await freePort()));
    const child = sb.spawn(["up"]);
    await waitForLine(child, /gateway ready/);
    const t0 = Date.now();
    child.kill("SIGTERM");
    expect(await exited(child)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const f of ["bosun.sock", "gateway.json", "gateway.lock"]) expect(existsSync(join(sb.home, "run", f))).toBe(false);
  });

  test("with no config, up serves the embedded default webchat with a provider notice", async () => {
    const sb = sandbox();
    const child = sb.spawn(["up"]);
    const lines: string[] = [];
    child.stderr!.on("data", (d) => lines.push(String(d)));
    await waitForLine(child, /gateway ready/);
    const log = lines.join("");
    expect(log).toContain("webchat listening on http://127.0.0.1:7420");
    expect(log).toContain("no model provider configured");
    const st = JSON.parse(sb.run(["status", "--json"]).stdout);
    expect(st.gateway.configPath).toBeNull();
    expect(st.gateway.provider).toBe("echo");
    expect(await webchatTurn(7420, "default-conv", "ping")).toBe("echo: ping");
    child.kill("SIGINT");
    expect(await exited(child)).toBe(0);
  });
});

describe("config errors (dist/bosun)", () => {
  test("an invalid config exits 3 naming file, line and column, with a hint", () => {
    const sb = sandbox();
    const path = sb.writeConfig(`[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisen = "127.0.0.1:7420"\n`);
    for (const args of [["config", "check"], ["up"], ["up", "--detach"]]) {
      const r = sb.run(args);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`${path}:6:1`);
      expect(r.stderr).toContain('did you mean "listen"');
      expect(r.stderr).not.toContain("    at ");
    }
    const st = JSON.parse(sb.run(["status", "--json"]).stdout);
    expect(st.gateway.state).toBe("stopped");
    expect(st.gateway.configError).toEqual(expect.objectContaining({ line: 6, column: 1 }));
  });

  test("an unknown wanted install target is a config error at its line and column, with a did-you-mean", () => {
    const sb = sandbox();
    const path = sb.writeConfig(`[installs]\nwant = [\n  "whisper:base.en",\n  "whisper:bsae.en",\n]\n`);
    const r = sb.run(["config", "check"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${path}:4:3`);
    expect(r.stderr).toContain('did you mean "whisper:base.en"');
    sb.writeConfig(`[installs]\nwant = ["whisper:base.en", "piper:en_US-lessac-medium"]\n`);
    expect(sb.run(["config", "check"]).code).toBe(0);
  });

  test("a TOML syntax error names its line and column", () => {
    const sb = sandbox();
    const path = sb.writeConfig(`[agent]\nprovider = "echo\n`);
    const r = sb.run(["config", "check"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:\\d+`));
  });

  test("no secret from the config appears in any output or log", async () => {
    const secret = "sk-e2e-Very-Secret-Value-42";
    const sb = sandbox({ MY_KEY: secret });
    const port = await freePort();
    sb.writeConfig(`[agent]\nprovider = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\napi_key = "\${MY_KEY}"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);
    const outputs: string[] = [];
    for (const args of [["config", "check", "--json"], ["status", "--json"], ["doctor", "--json"], ["up", "--detach", "--verbose"], ["status"], ["status", "--json"]]) {
      const r = sb.run(args);
      outputs.push(r.stdout, r.stderr);
    }
    const reply = await webchatTurn(port, "secret-conv", "hello");
    outputs.push(reply);
    expect(reply).toContain("could not be reached");
    outputs.push(sb.run(["down"]).stderr);
    outputs.push(readFileSync(join(sb.home, "logs", "bosun.log"), "utf8"));
    for (const o of outputs) expect(o).not.toContain(secret);
    // An invalid value in a secret field is reported without echoing the value.
    sb.writeConfig(`[agent]\nprovider = 42\napi_key = "${secret}"\n`);
    const bad = sb.run(["config", "check"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr + bad.stdout).not.toContain(secret);
  });
});

describe("commands", () => {
  test("--version, --help, unknown command and unknown flag", () => {
    const sb = sandbox();
    expect(sb.run(["--version"]).stdout).toMatch(/^bosun \d+\.\d+\.\d+/);
    const help = sb.run(["--help"]);
    expect(help.code).toBe(0);
    for (const cmd of ["up", "down", "status", "dashboard", "doctor", "config"]) expect(help.stdout).toContain(cmd);
    const upHelp = sb.run(["up", "--help"]);
    expect(upHelp.code).toBe(0);
    expect(upHelp.stdout).toContain("--detach");
    expect(upHelp.stdout).not.toContain("\x1b["); // no colour codes into a pipe
    expect(upHelp.stdout).toContain("USAGE bosun up");
    expect(sb.run(["config", "check", "--help"]).stdout).toContain("USAGE bosun config check");
    expect(upHelp.stdout).toMatch(/--no-color\s+No colours/);
    const bad = sb.run(["stauts"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bosun status");
    const badFlag = sb.run(["status", "--jsno"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--json");
  });

  test("a reader that goes away (| head) ends the command quietly, with no stack trace", () => {
    const sb = sandbox();
    const { spawnSync } = require("node:child_process");
    const r = spawnSync("bash", ["-c", `"${BIN}" catalog --json | head -c 10 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { cwd: sb.dir, env: sb.env, encoding: "utf8" });
    expect(r.stdout.trim()).toBe("rc=0");
    expect(r.stderr).not.toContain("EPIPE");
  });

  test("without a TTY, bare bosun prints status; dashboard needs a gateway", () => {
    const sb = sandbox();
    const r = sb.run([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("stopped");
    expect(sb.run(["dashboard"]).code).not.toBe(0);
  });

  test("config init, path, check and schema", () => {
    const sb = sandbox();
    expect(sb.run(["config", "path"]).stdout).toContain("embedded default");
    expect(sb.run(["config", "init"]).code).toBe(0);
    expect(sb.run(["config", "init"]).code).toBe(1);
    expect(sb.run(["config", "path"]).stdout.trim()).toBe(join(sb.dir, "bosun.toml"));
    expect(sb.run(["config", "check"]).code).toBe(0);
    const schema = JSON.parse(sb.run(["config", "schema"]).stdout);
    expect(schema.properties.adapters).toBeDefined();
    expect(sb.run(["config"]).code).toBe(2);
  });

  test("doctor reports a taken port", async () => {
    const sb = sandbox();
    const port = await freePort();
    sb.writeConfig(webConfig(port));
    const blocker = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    try {
      const r = sb.run(["doctor", "--json"]);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.checks.find((c: { name: string }) => c.name === "port web").outcome).toBe("fail");
    } finally {
      blocker.stop(true);
    }
  });
});
