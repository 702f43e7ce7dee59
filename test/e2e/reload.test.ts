import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { Ircd, RawIrcClient } from "../helpers/ircd.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";

/** Poll `bosun adapters --json` until `pred` holds (the reload is asynchronous by nature). */
async function adaptersUntil(sb: ReturnType<typeof sandbox>, pred: (list: any[]) => boolean, timeoutMs = 10_000): Promise<any[]> {
  let last: any[] = [];
  return waitUntil(
    async () => {
      last = JSON.parse((await sb.runAsync(["adapters", "--json"])).stdout);
      return pred(last) && last;
    },
    () => `bosun adapters to match; last: ${JSON.stringify(last)}`,
    timeoutMs,
    50,
  );
}

function openSocket(port: number, conversation: string): Promise<WebSocket> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?conversation=${conversation}`);
    ws.onopen = () => res(ws);
    ws.onerror = () => rej(new Error("websocket error"));
  });
}

function ask(ws: WebSocket, text: string): Promise<string> {
  return new Promise((res) => {
    ws.addEventListener("message", function on(ev) {
      const m = JSON.parse(String(ev.data));
      if (m.type === "message") {
        ws.removeEventListener("message", on);
        res(m.text);
      }
    });
    ws.send(JSON.stringify({ type: "message", id: crypto.randomUUID(), text }));
  });
}

describe("hot reload under a running dist/bosun", () => {
  test("add, change and remove adapters; an invalid file is shown and changes nothing; untouched connections survive", async () => {
    const secret = "whsec-e2e-Not-To-Be-Printed-0123";
    const ircd = await Ircd.start();
    const tg = await TelegramTestServer.start();
    const sb = sandbox({ HOOK_SECRET: secret, TG_TOKEN: tg.token });
    const [pWeb, pHook, pHook2, pExtra] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const head =
      `[agent]\nprovider = "echo"\n[gateway]\nreload_debounce_ms = 50\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${pWeb}"\n\n` +
      `[adapters.chat]\nkind = "irc"\nserver = "127.0.0.1:${ircd.port}"\nnick = "reloadbot"\nchannels = ["#reload"]\n\n` +
      `[adapters.tg]\nkind = "telegram"\ntoken = "\${TG_TOKEN}"\napi_root = "${tg.url}"\npoll_timeout_s = 1\n\n`;
    const getMes = () => tg.requests.filter((r) => r.method === "getMe").length;
    const hook = (port: number) => `[adapters.hooks]\nkind = "webhook"\nlisten = "127.0.0.1:${port}"\nsecret = "\${HOOK_SECRET}"\n\n`;
    const path = sb.writeConfig(head + hook(pHook!));
    // Async: the Telegram test server lives in this process and must keep answering.
    expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
    try {
      const ws = await openSocket(pWeb!, "keepalive");
      expect(await ask(ws, "before")).toBe("echo: before");
      let closed = false;
      ws.addEventListener("close", () => (closed = true));
      const initial = await adaptersUntil(sb, (l) => l.length === 4 && l.every((a) => a.state === "running"));
      const webSince = initial.find((a) => a.name === "web").since;
      // The servers' own view of the channels we must not disturb.
      const connectionsStay = () => {
        expect(ircd.connections()).toBe(1);
        expect(getMes()).toBe(1);
      };
      connectionsStay();

      // add
      writeFileSync(path, head + hook(pHook!) + `[adapters.extra]\nkind = "webchat"\nlisten = "127.0.0.1:${pExtra}"\n`);
      let list = await adaptersUntil(sb, (l) => l.some((a) => a.name === "extra" && a.state === "running"));
      expect(list.map((a) => a.name)).toEqual(["chat", "extra", "hooks", "tg", "web"]);
      connectionsStay();

      // change one adapter: only it restarts
      writeFileSync(path, head + hook(pHook2!) + `[adapters.extra]\nkind = "webchat"\nlisten = "127.0.0.1:${pExtra}"\n`);
      const healthy = async () => (await fetch(`http://127.0.0.1:${pHook2}/healthz`).catch(() => null))?.status === 200;
      await waitUntil(healthy, "the changed webhook's new listener to answer /healthz", 10_000, 50);
      expect(await healthy()).toBe(true);
      await expect(fetch(`http://127.0.0.1:${pHook}/healthz`)).rejects.toThrow();
      connectionsStay();

      // remove
      writeFileSync(path, head + hook(pHook2!));
      list = await adaptersUntil(sb, (l) => !l.some((a) => a.name === "extra"));
      expect(list.map((a) => a.name)).toEqual(["chat", "hooks", "tg", "web"]);
      connectionsStay();

      // invalid: rejected whole, shown with line:col, nothing changes
      const invalid = head + hook(pHook2!) + `[adapters.broken]\nkind = "webchat"\nlisten = "nowhere"\n`;
      const badLine = invalid.split("\n").findIndex((l) => l.includes('"nowhere"')) + 1;
      writeFileSync(path, invalid);
      let status: any;
      await waitUntil(
        async () => {
          status = JSON.parse((await sb.runAsync(["status", "--json"])).stdout);
          return status.gateway.configError;
        },
        () => `status to show the config error; last: ${JSON.stringify(status?.gateway)}`,
        10_000,
        50,
      );
      expect(status.gateway.configError).toMatchObject({ file: path, line: badLine });
      expect(status.gateway.state).toBe("running");
      expect(status.adapters.map((a: any) => `${a.name}:${a.state}`)).toEqual(["chat:running", "hooks:running", "tg:running", "web:running"]);
      connectionsStay();

      // The IRC channel still works on its original connection.
      const alice = await RawIrcClient.connect(ircd.port, "alice");
      alice.join("#reload");
      alice.say("#reload", "reloadbot: still there?");
      await alice.waitFor(/PRIVMSG #reload :echo: still there\?/);
      alice.close();
      expect(status.adapters.find((a: any) => a.name === "chat").restarts).toBe(0);
      const human = (await sb.runAsync(["status"])).stdout;
      expect(human).toContain(`${path}:${badLine}:`);

      // The untouched webchat adapter kept its connection the whole time.
      expect(closed).toBe(false);
      expect(await ask(ws, "after")).toBe("echo: after");
      const web = status.adapters.find((a: any) => a.name === "web");
      expect(web.since).toBe(webSince);
      expect(web.restarts).toBe(0);
      ws.close();

      // No secret in adapters --json, status, or the log.
      for (const out of [(await sb.runAsync(["adapters", "--json"])).stdout, (await sb.runAsync(["status", "--json"])).stdout, readFileSync(join(sb.home, "logs", "bosun.log"), "utf8")]) {
        expect(out).not.toContain(secret);
        expect(out).not.toContain(tg.token);
        expect(out).not.toContain(tg.token.split(":")[1]!);
      }
    } finally {
      await sb.runAsync(["down"]);
      await ircd.dispose();
      await tg.stop();
    }
  });

  test("adapters restart/stop/start and send by name", async () => {
    const sb = sandbox();
    const port = await freePort();
    sb.writeConfig(`[agent]\nprovider = "echo"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    try {
      const ws = await openSocket(port, "sendtarget");
      const got = new Promise<string>((res) => (ws.onmessage = (ev) => res(JSON.parse(String(ev.data)).text)));
      const sent = sb.run(["send", "web", "sendtarget", "hello from the CLI"]);
      expect(sent.code).toBe(0);
      expect(await got).toBe("hello from the CLI");
      expect(sb.run(["send", "web", "nobody-here", "x"]).code).toBe(1);
      expect(sb.run(["send", "nope", "x", "y"]).stderr).toContain('no adapter named "nope"');

      const restarted = sb.run(["adapters", "restart", "web", "--json"]);
      expect(restarted.code).toBe(0);
      expect(JSON.parse(restarted.stdout)).toMatchObject({ outcome: "running", adapter: { name: "web", restarts: 1 } });
      expect(sb.run(["adapters", "stop", "web"]).code).toBe(0);
      expect(JSON.parse(sb.run(["adapters", "--json"]).stdout)[0].state).toBe("stopped");
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      expect(sb.run(["adapters", "start", "web"]).code).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const human = sb.run(["adapters"]);
      expect(human.stdout).toMatch(/web\s+webchat\s+running/);
    } finally {
      sb.run(["down"]);
    }
    expect(sb.run(["adapters", "restart", "web"]).code).toBe(4);
  });
});
