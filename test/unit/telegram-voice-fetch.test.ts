// A Telegram voice note's download failing on the network (refused, reset mid-body on a raw
// socket): the error, however it is printed, never holds the bot token the file URL carries.
import { afterAll, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { TelegramApi } from "../../src/core/adapters/telegram/api.ts";
import { fetchTelegramAudio } from "../../src/core/adapters/telegram/audio.ts";
import { voiceFailure } from "../../src/core/sessions/voice-turn.ts";

const TOKEN = "987654321:AAH-secret_token-abcdefghij0123456789";
const SECRET = TOKEN.split(":")[1]!;
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** A raw HTTP/1.1 server: getFile is answered, the file download sends its headers and 1 KiB of 100 KiB, then resets. */
async function cuttingServer(): Promise<string> {
  const server = createServer((sock: Socket) => {
    let buf = "";
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const line = buf.slice(0, buf.indexOf("\r\n"));
      const length = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      if (line.startsWith("POST") && line.includes("/getFile")) {
        const body = JSON.stringify({ ok: true, result: { file_id: "f", file_unique_id: "u", file_path: "voice/file_0.oga" } });
        sock.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      } else {
        sock.write(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${100 * 1024}\r\n\r\n`);
        sock.write(Buffer.alloc(1024, 7), () => sock.resetAndDestroy());
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

async function failure(apiRoot: string): Promise<unknown> {
  const api = new TelegramApi(apiRoot, TOKEN);
  return fetchTelegramAudio(api, "f", 20_000_000, new AbortController().signal).then(
    () => {
      throw new Error("expected the fetch to fail");
    },
    (e) => e,
  );
}

/** Every way the error reaches a user or a log: the chat reply, message, String(), stack, JSON, its cause. */
function printed(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  return [voiceFailure(err).text, e.message, String(e), e.stack ?? "", JSON.stringify(e), String(e.cause ?? ""), JSON.stringify(Object.entries(e))].join("\n");
}

describe("a Telegram voice download failing on the network", () => {
  test("reset mid-body: a network error naming the reset, without the token", async () => {
    const err = await failure(await cuttingServer());
    expect(voiceFailure(err).text).toStartWith("I couldn't understand the voice message: it could not be fetched: Telegram file download failed");
    expect(printed(err)).not.toContain(SECRET);
  });

  test("connection refused: the same, without the token", async () => {
    const err = await failure(await closedPort());
    expect(voiceFailure(err).text).toStartWith("I couldn't understand the voice message: it could not be fetched: Telegram");
    expect(printed(err)).not.toContain(SECRET);
  });
});
