import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { join, resolve } from "node:path";
import { processAlive } from "../../src/core/util/process.ts";
import { freePort, sandbox, webchatTurn, type Sandbox } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";

/**
 * Issue 8, item 3: no secret from the config, nor one a remote server echoes back, appears in
 * anything bosun prints, serves or logs. Every secret field holds a distinctive literal; every
 * remote peer (model provider, Telegram, IRC, Twitch, the model host) is hostile and echoes back
 * what bosun sent it.
 */
const S = {
  apiKey: "sk-e2eAgentKey4f1c9b2d7e3a8c60",
  webhook: "whsec-e2eHookSecret-77aa31cd09",
  telegram: "7612345890:AAe2eTelegramBotToken_q9Zx3Lm0",
  // IRC passwords have no minimum length: 4 and 5 characters must be hidden too.
  ircPass: "Zq4!",
  saslPass: "saslPassword-e2e-0d2e9",
  nickservPass: "Vw8!y",
  twitch: "oauth:e2eTwitchOauthToken3kq8",
  installToken: "instTok-e2e-9XcV2bN7",
};
const SECRETS = Object.values(S);

/** One loopback HTTP server for the model provider, the Telegram Bot API and the model host, echoing what it was sent. */
async function hostileHttp(): Promise<{ url: string; close(): void; providerCalls: () => number }> {
  let providerCalls = 0;
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const auth = req.headers.authorization ?? "(none)";
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url?.startsWith("/v1/chat/completions")) {
      providerCalls++;
      // OpenAI's own 401 quotes the key it was given.
      return send(401, { error: { message: `Incorrect API key provided: ${auth}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: "invalid_request_error", param: null, code: "invalid_api_key" } });
    }
    if (req.url?.startsWith("/bot")) return send(401, { ok: false, error_code: 401, description: `Unauthorized: ${req.url}` });
    return send(403, { error: `forbidden: ${req.url} (${auth})` });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close(), providerCalls: () => providerCalls };
}

/**
 * An IRC "server" that plays along (CAP, SASL PLAIN, welcome) and then closes the link quoting
 * every credential it was given: the server password, the SASL password and the NickServ line.
 */
async function hostileIrc(): Promise<{ port: number; close(): void }> {
  const server: Server = createTcpServer((sock) => {
    let buf = "";
    let capping = false;
    let welcomed = false;
    let userSeen = false;
    const got: string[] = [];
    const send = (line: string) => sock.write(`${line}\r\n`);
    const welcome = () => {
      if (welcomed || !userSeen || capping) return;
      welcomed = true;
      send(":irc.test 001 secretsbot :Welcome");
    };
    sock.on("error", () => {});
    sock.on("data", (d) => {
      buf += d.toString();
      const lines = buf.split(/\r?\n/);
      buf = lines.pop() ?? "";
      for (const line of lines) {
        const [cmd = "", ...rest] = line.split(" ");
        const arg = rest.join(" ").replace(/^:/, "");
        if (cmd === "CAP" && rest[0] === "LS") (capping = true), send(":irc.test CAP * LS :sasl");
        else if (cmd === "CAP" && rest[0] === "REQ") send(`:irc.test CAP * ACK :${rest.slice(1).join(" ").replace(/^:/, "")}`);
        else if (cmd === "CAP" && rest[0] === "END") (capping = false), welcome();
        else if (cmd === "AUTHENTICATE" && arg === "PLAIN") send("AUTHENTICATE +");
        else if (cmd === "AUTHENTICATE") got.push(`SASL=${Buffer.from(arg, "base64").toString("utf8").split("\0").pop()}`), send(":irc.test 903 * :SASL ok");
        else if (cmd === "PASS") got.push(`PASS=${arg}`);
        else if (cmd === "USER") (userSeen = true), welcome();
        else if (cmd === "PRIVMSG" || cmd === "JOIN") {
          got.push(line);
          sock.end(`ERROR :Closing Link: rejected ${got.join(" ")}\r\n`);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

function config(http: string, irc: number, web: number, hook: number): string {
  return `[agent]
provider = "openai"
base_url = "${http}/v1"
model = "gpt-test"
api_key = "${S.apiKey}"
timeout_ms = 5000

[gateway]
first_start_timeout_ms = 1500

[installs]
mirror = "${http}"

[[installs.custom]]
target = "whisper:private"
url = "${http}/models/private.bin?token=${S.installToken}"
size = 1024
sha256 = "${"ab".repeat(32)}"

[adapters.web]
kind = "webchat"
listen = "127.0.0.1:${web}"

[adapters.hooks]
kind = "webhook"
listen = "127.0.0.1:${hook}"
secret = "${S.webhook}"

[adapters.tg]
kind = "telegram"
token = "${S.telegram}"
api_root = "${http}"
poll_timeout_s = 1
backoff_initial_ms = 100

[adapters.chat]
kind = "irc"
server = "127.0.0.1:${irc}"
nick = "secretsbot"
password = "${S.ircPass}"
sasl_username = "secretsbot"
sasl_password = "${S.saslPass}"
nickserv_password = "${S.nickservPass}"
channels = ["#test"]
backoff_initial_ms = 100

[adapters.stream]
kind = "twitch"
server = "127.0.0.1:${irc}"
tls = false
username = "secretsbot"
oauth_token = "${S.twitch}"
channels = ["#test"]
backoff_initial_ms = 100
`;
}

/** GET on the control socket with the gateway's token; the SSE stream is read up to its first event. */
function controlGet(socket: string, token: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ socketPath: socket, path, headers: { authorization: `Bearer ${token}` } }, (r) => {
      let body = "";
      r.on("data", (d) => {
        body += d;
        if (path === "/v1/events" && body.includes("\n\n")) {
          req.destroy();
          res({ status: r.statusCode ?? 0, body });
        }
      });
      r.on("end", () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on("error", rej);
    req.end();
  });
}

describe("no secret in any output (dist/bosun)", () => {
  test("every command, --json, the control API, the chat and the log hide config secrets and echoed keys", async () => {
    const http = await hostileHttp();
    const irc = await hostileIrc();
    const [web, hook] = [await freePort(), await freePort()];
    const sb = sandbox();
    sb.writeConfig(config(http.url, irc.port, web, hook));
    const seen: Array<{ what: string; text: string }> = [];
    const run = async (args: string[]) => {
      const r = await sb.runAsync(args, { timeoutMs: 25_000 });
      seen.push({ what: `bosun ${args.join(" ")}`, text: r.stdout + "\n" + r.stderr });
      return r;
    };
    try {
      // Stopped gateway: everything read from the config.
      for (const args of [["status"], ["status", "--json"], ["adapters"], ["adapters", "--json"], ["catalog", "--json"], ["catalog"], ["installs", "--json"], ["config", "check"], ["config", "check", "--json"], ["install", "whisper:private"], ["install", "whisper:private", "--json"]]) {
        await run(args);
      }
      const doctor = await run(["doctor"]);
      const doctorJson = await run(["doctor", "--json"]);
      // The provider really was asked, and its answer (quoting the key) really was shown.
      expect(http.providerCalls()).toBeGreaterThanOrEqual(2);
      expect(doctor.stdout).toContain("Incorrect API key provided");
      expect(JSON.parse(doctorJson.stdout).checks.find((c: { name: string }) => c.name === "provider").outcome).toBe("fail");
      expect(JSON.parse((await run(["catalog", "--json"])).stdout).some((e: { target: string }) => e.target === "whisper:private")).toBe(true);

      // Running gateway: the control API and what the CLI prints from it.
      expect((await run(["up", "--detach"])).code).toBe(0);
      const reply = await webchatTurn(web, "secret-conv", "hello");
      seen.push({ what: "webchat reply", text: reply });
      expect(reply).toContain("credentials");
      // Let the failing adapters retry a few times, so their errors reach status and the log.
      const deadline = Date.now() + 10_000;
      let restarts = 0;
      while (Date.now() < deadline && restarts < 6) {
        const list = JSON.parse((await run(["adapters", "--json"])).stdout) as Array<{ restarts: number; lastError: string | null }>;
        restarts = list.reduce((n, a) => n + (a.lastError ? a.restarts : 0), 0);
      }
      for (const args of [["status"], ["status", "--json"], ["adapters"], ["doctor"], ["doctor", "--json"], ["catalog", "--json"], ["installs", "--json"], ["install", "whisper:private", "--json"]]) {
        await run(args);
      }
      const socket = join(sb.home, "run", "bosun.sock");
      const token = readFileSync(join(sb.home, "run", "token"), "utf8").trim();
      for (const path of ["/v1/status", "/v1/adapters", "/v1/installs", "/v1/sessions", "/v1/integrations", "/v1/catalog", "/v1/events"]) {
        const r = await controlGet(socket, token, path);
        expect(r.status).toBe(200);
        seen.push({ what: `GET ${path}`, text: r.body });
      }
      const catalog = JSON.parse((await controlGet(socket, token, "/v1/catalog")).body) as Array<{ target: string; files: Array<{ source: string }> }>;
      expect(catalog.find((e) => e.target === "whisper:private")?.files[0]?.source).toContain("/models/private.bin");
    } finally {
      seen.push({ what: "bosun down", text: JSON.stringify(await sb.runAsync(["down"])) });
      http.close();
      irc.close();
    }
    const log = readFileSync(join(sb.home, "logs", "bosun.log"), "utf8");
    // Every IRC credential really went out and came back quoted.
    for (const sent of ["PASS=", "SASL=", "IDENTIFY"]) expect(log).toContain(sent);
    seen.push({ what: "logs/bosun.log", text: log });

    const leaks = new Set(seen.flatMap(({ what, text }) => SECRETS.filter((s) => text.includes(s) || text.includes(s.replace(/^oauth:/, ""))).map((s) => `${what}: ${s}`)));
    expect([...leaks]).toEqual([]);
  }, 120_000);
});

/** Open `/v1/events` and collect its text until `done(text)` holds; `close` ends it early and returns what came. */
function followEvents(socket: string, token: string, done: (text: string) => boolean, timeoutMs = 20_000): { text: Promise<string> } {
  return {
    text: new Promise((res, rej) => {
      let body = "";
      const timer = setTimeout(() => {
        req.destroy();
        rej(new Error(`events never showed what was awaited; got: ${body.slice(-2000)}`));
      }, timeoutMs);
      const req = request({ socketPath: socket, path: "/v1/events", headers: { authorization: `Bearer ${token}` } }, (r) => {
        r.on("data", (d) => {
          body += d;
          if (done(body)) {
            clearTimeout(timer);
            req.destroy();
            res(body);
          }
        });
      });
      req.on("error", (e) => {
        if (!req.destroyed) rej(e);
      });
      req.end();
    }),
  };
}

/** The control socket and token of a running gateway in `sb`. */
const control = (sb: Sandbox) => ({ socket: join(sb.home, "run", "bosun.sock"), token: readFileSync(join(sb.home, "run", "token"), "utf8").trim() });

describe("a key from the environment (no [agent] in the config), echoed back by the provider", () => {
  // No sk- prefix and no "Bearer" beside it: no pattern rule can recognise it, only the secret set.
  const KEY = "zeroConfigEnvKey-Q7v4mP2x9c";

  test("the daemon's log, /v1/status and /v1/events never show it", async () => {
    let calls = 0;
    const provider = createHttpServer((req, res) => {
      let raw = "";
      req.on("data", (d) => (raw += d));
      req.on("end", () => {
        calls++;
        const key = (req.headers.authorization ?? "").replace(/^Bearer /, "");
        const last = String((JSON.parse(raw) as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? "");
        res.writeHead(last === "bad" ? 401 : 200, { "content-type": "application/json" });
        // A 401 quoting the key bare, or a reply that repeats it (a proxy, a model told it).
        if (last === "bad") res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}.`, type: "invalid_request_error", code: "invalid_api_key" } }));
        else res.end(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: `your key is ${key}` }, finish_reason: "stop" }] }));
      });
    });
    await new Promise<void>((r) => provider.listen(0, "127.0.0.1", r));
    const web = await freePort();
    const sb = sandbox({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1` });
    // The provider is chosen from the environment exactly as with no config file at all; the file
    // only moves the chat page off the fixed default port.
    sb.writeConfig(`[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${web}"\n`);
    const seen: Array<{ what: string; text: string }> = [];
    try {
      expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
      const { socket, token } = control(sb);
      const events = followEvents(socket, token, (t) => (t.match(/"type":"message\.outbound"/g) ?? []).length >= 2);
      // Let the stream reach its live part before the turns, so their events are in it.
      await controlGet(socket, token, "/v1/events");
      const refused = await webchatTurn(web, "env-key-a", "bad");
      expect(refused).toContain("credentials");
      await webchatTurn(web, "env-key-b", "echo");
      seen.push({ what: "GET /v1/events", text: await events.text });
      expect(seen[0]!.text).toContain("your key is [redacted]");
      seen.push({ what: "GET /v1/status", text: (await controlGet(socket, token, "/v1/status")).body });
    } finally {
      await sb.runAsync(["down"]);
      provider.close();
    }
    expect(calls).toBe(2);
    const log = readFileSync(join(sb.home, "logs", "bosun.log"), "utf8");
    expect(log).toContain("Incorrect API key provided: [redacted]");
    seen.push({ what: "logs/bosun.log", text: log });
    expect(seen.filter((s) => s.text.includes(KEY)).map((s) => s.what)).toEqual([]);
  }, 60_000);
});

describe("what JavaScript writes to the detached daemon's stderr (its fd 2 is the log)", () => {
  const MAIN = resolve(import.meta.dir, "../../src/cli/main.ts");
  const PRELOAD = resolve(import.meta.dir, "../helpers/stderr-on-signal.ts");
  const SECRET = "stderrConfigSecret-4d9e1b";

  // No library bosun uses writes a secret to stderr on cue, so a preload plays one: SIGUSR2 makes
  // the daemon write the secret through process.stderr.write, process.emitWarning and console.*.
  test("goes through the gateway's redactor", async () => {
    const sb = sandbox({ STDERR_TEXT: SECRET });
    sb.writeConfig(`[agent]\nprovider = "echo"\napi_key = "${SECRET}"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${await freePort()}"\n`);
    const env = { ...sb.env, BUN_OPTIONS: `--preload ${PRELOAD}` };
    const up = spawnSync(process.execPath, [MAIN, "up", "--detach"], { cwd: sb.dir, env, encoding: "utf8", timeout: 20_000 });
    expect(up.status).toBe(0);
    const logFile = join(sb.home, "logs", "bosun.log");
    const pid = JSON.parse(readFileSync(join(sb.home, "run", "gateway.json"), "utf8")).pid as number;
    try {
      process.kill(pid, "SIGUSR2");
      await waitUntil(
        () => {
          if (readFileSync(logFile, "utf8").includes("stderr-probe done")) return true;
          if (!processAlive(pid, null)) throw new Error(`the gateway exited before the probe finished: ${readFileSync(logFile, "utf8").slice(-2000)}`);
          return false;
        },
        () => `the probe in the log: ${readFileSync(logFile, "utf8").slice(-2000)}`,
        10_000,
        20,
      );
    } finally {
      spawnSync(process.execPath, [MAIN, "down"], { cwd: sb.dir, env, timeout: 20_000 });
    }
    const log = readFileSync(logFile, "utf8");
    for (const how of ["write", "bytes", "warning", "console.error", "console.warn"]) expect(log).toContain(`stderr-probe ${how} `);
    expect(log).toContain("stderr-probe write [redacted]");
    expect(log).not.toContain(SECRET);
    expect(existsSync(join(sb.home, "run", "gateway.json"))).toBe(false);
  }, 60_000);
});
