// A Telegram voice note whose download fails on the network: the reply says so, and neither it
// nor the log holds the bot token (the file URL carries it: /file/bot<token>/<path>).
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sandbox } from "../helpers/bosun.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { telegramToml, upDetached } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

describe("a Telegram voice note whose download fails on the network", () => {
  test("a connection cut mid-body: the reply says it could not be fetched, without the bot token (dist/bosun)", async () => {
    const tg = await TelegramTestServer.start();
    const sb = sandbox();
    cleanups.push(() => tg.stop(), () => sb.runAsync(["down"], { timeoutMs: 15_000 }));
    sb.writeConfig(`[agent]\nprovider = "echo"\n[gateway]\nheartbeat_ms = 200\n${telegramToml(tg)}`);
    tg.breakDownloads = true;
    await upDetached(sb);
    tg.pushVoice({ chatId: 99, bytes: new Uint8Array(64 * 1024).fill(7), duration: 1 });
    const reply = await tg.waitForSent((m) => m.chatId === 99, 60_000);
    expect(tg.fileDownloads).toBeGreaterThanOrEqual(1);
    expect(reply.text).toStartWith("I couldn't understand the voice message: it could not be fetched");
    const secret = tg.token.split(":")[1]!;
    expect(reply.text).not.toContain(secret);
    expect(readFileSync(join(sb.home, "logs", "bosun.log"), "utf8")).not.toContain(secret);
  }, 90_000);
});
