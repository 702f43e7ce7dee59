import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import type { BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import type { AdapterStatus } from "../../src/core/status.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";

const CHAT = 5150;
let server: TelegramTestServer;
const gateways: Gateway[] = [];

beforeEach(async () => {
  server = await TelegramTestServer.start();
});
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.stop();
  await server.stop();
});

function config(): string {
  return [
    "[agent]",
    'provider = "echo"',
    "[gateway]",
    "watch_config = false",
    "[adapters.tg]",
    'kind = "telegram"',
    `token = "${server.token}"`,
    `api_root = "${server.url}"`,
    "poll_timeout_s = 1",
    "backoff_initial_ms = 50",
    "backoff_max_ms = 200",
    "",
  ].join("\n");
}

/** A started gateway on `home`, with every bus event recorded. */
async function gateway(home: string): Promise<{ g: Gateway; events: BosunEvent[] }> {
  const g = new Gateway({ home, loaded: parseConfig(config(), "t.toml", {}), env: {}, version: "t", control: false });
  const events: BosunEvent[] = [];
  g.bus.on((e) => events.push(e));
  gateways.push(g);
  await g.start();
  return { g, events };
}

/** Resolve with the first adapter.state event of "tg" matching `pred` (recorded or upcoming). */
async function adapterState(events: BosunEvent[], pred: (a: AdapterStatus) => boolean, what: string): Promise<AdapterStatus> {
  let hit: AdapterStatus | undefined;
  await waitUntil(
    () => {
      for (const e of events) if (e.type === "adapter.state" && e.adapter.name === "tg" && pred(e.adapter)) hit = e.adapter;
      return hit !== undefined;
    },
    what,
    10_000,
  );
  return hit!;
}

const sentTexts = () => server.sent.map((m) => m.text);

describe("telegram through the Gateway", () => {
  test("a message is answered; one sent while the gateway is down is answered exactly once after restart", async () => {
    const home = mkdtempSync(join(tmpdir(), "bosun-tg-gw-"));
    const first = await gateway(home);
    await adapterState(first.events, (a) => a.state === "running", "tg running");
    // The poll after "hi" is refused with 429, so Telegram never hears that "hi" was handled:
    // only the offset in the state file keeps the next gateway from getting it again.
    await waitUntil(() => server.pollers === 1, "a held long poll", 10_000);
    server.rateLimit(60, ["getUpdates"]);
    server.pushMessage({ chatId: CHAT, text: "hi" });
    const reply = await server.waitForSent((m) => m.text === "echo: hi");
    expect(reply.chatId).toBe(CHAT);
    await waitUntil(() => server.rateLimitedResponses === 1, "the poll after the accept", 10_000);
    await first.g.stop();
    expect(server.unconfirmed).toHaveLength(1);
    server.rateLimit(0);

    server.pushMessage({ chatId: CHAT, text: "while you were out" });
    const second = await gateway(home);
    await server.waitForSent((m) => m.text === "echo: while you were out");
    await waitUntil(() => server.unconfirmed.length === 0, "the second update to be confirmed", 10_000);
    await second.g.stop();
    expect(sentTexts().filter((t) => t === "echo: hi")).toHaveLength(1);
    expect(sentTexts().filter((t) => t === "echo: while you were out")).toHaveLength(1);
    expect(sentTexts()).toEqual(["echo: hi", "echo: while you were out"]);
    const logs = second.events.concat(first.events).filter((e) => e.type === "log");
    expect(JSON.stringify(logs)).not.toContain(server.token);
  });

  test("a rejected token shows the adapter failed with 'token rejected'", async () => {
    server.rejectToken = true;
    const { g, events } = await gateway(mkdtempSync(join(tmpdir(), "bosun-tg-gw-")));
    const st = await adapterState(events, (a) => a.state === "failed", "tg failed");
    expect(st.lastError).toContain("token rejected");
    expect(g.snapshot().gateway.state).toBe("running");
  });

  test("409 from another instance puts the adapter in backoff with the reason", async () => {
    server.conflict = true;
    const { events } = await gateway(mkdtempSync(join(tmpdir(), "bosun-tg-gw-")));
    const st = await adapterState(events, (a) => a.state === "backoff", "tg in backoff");
    expect(st.lastError).toMatch(/409|another bot instance/);
    // It keeps retrying at the (short) backoff, and recovers once the other poller is gone.
    await waitUntil(() => server.getUpdatesCalls >= 3, "retries", 10_000);
    server.conflict = false;
    server.pushMessage({ chatId: CHAT, text: "back" });
    await server.waitForSent((m) => m.text === "echo: back");
  });
});
