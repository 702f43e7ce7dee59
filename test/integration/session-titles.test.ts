import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";

let server: TelegramTestServer;
const gateways: Gateway[] = [];

beforeEach(async () => {
  server = await TelegramTestServer.start();
});
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.stop();
  await server.stop();
});

async function gateway(): Promise<Gateway> {
  const toml = ["[agent]", 'provider = "echo"', "[gateway]", "watch_config = false", "[adapters.tg]", 'kind = "telegram"', `token = "${server.token}"`, `api_root = "${server.url}"`, "poll_timeout_s = 1", ""].join("\n");
  const g = new Gateway({ home: mkdtempSync(join(tmpdir(), "bosun-titles-")), loaded: parseConfig(toml, "t.toml", {}), env: {}, version: "t", control: false });
  gateways.push(g);
  await g.start();
  return g;
}

describe("session titles from Telegram's getChat", () => {
  test("a group's title and a person's name become the sessions' titles, stored for later listings", async () => {
    const g = await gateway();
    server.pushMessage({ chatId: -1001, text: "hello group" });
    server.pushMessage({ chatId: 77, text: "hello bot", from: { id: 77, first_name: "Grace", last_name: "Hopper", username: "grace" } });
    await server.waitForSent((m) => m.text === "echo: hello group");
    await server.waitForSent((m) => m.text === "echo: hello bot");
    server.setChatTitle(-1001, "Ops room");

    // show asks the platform (within its deadline) ...
    expect((await g.session("tg:-1001"))?.title).toBe("Ops room");
    // ... and a listing's background refresh finds the other one; both are stored.
    await g.listSessions();
    await waitUntil(async () => (await g.listSessions({ fresh: true })).sessions.every((s) => s.title !== null), "titles stored", 10_000);
    const titles = Object.fromEntries((await g.listSessions({ fresh: true })).sessions.map((s) => [s.conversation, s.title]));
    expect(titles).toEqual({ "-1001": "Ops room", "77": "Grace Hopper (@grace)" });
    expect(server.requests.filter((r) => r.method === "getChat").length).toBe(2);
  });

  test("while getChat never answers, a listing answers at once, without titles", async () => {
    const g = await gateway();
    server.pushMessage({ chatId: 88, text: "hi" });
    await server.waitForSent((m) => m.text === "echo: hi");
    server.stallGetChat = true;
    const t0 = performance.now();
    const page = await g.listSessions();
    expect(performance.now() - t0).toBeLessThan(50);
    expect(page.sessions.map((s) => s.title)).toEqual([null]);
  });

  test("a session stopped through the gateway shows stopped in the next (cached) listing, not a TTL later", async () => {
    const g = await gateway();
    server.pushMessage({ chatId: 99, text: "hi" });
    await server.waitForSent((m) => m.text === "echo: hi");
    expect((await g.listSessions()).sessions.map((s) => s.state)).not.toContain("stopped");
    await g.steerSession("tg:99", "stop");
    expect((await g.listSessions()).sessions.map((s) => s.state)).toEqual(["stopped"]);
    await g.steerSession("tg:99", "start");
    expect((await g.listSessions()).sessions.map((s) => s.state)).not.toContain("stopped");
  });
});
