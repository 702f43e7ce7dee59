import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { freePort, sandbox, webchatTurn } from "../helpers/bosun.ts";

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
  ircPass: "ircServerPass-e2e-5b3f",
  saslPass: "saslPassword-e2e-0d2e9",
  nickservPass: "nickservPass-e2e-c81a7",
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
