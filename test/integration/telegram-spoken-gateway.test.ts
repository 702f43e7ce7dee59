// Spoken replies through the Gateway and Telegram: a voice note answered with its text, then a
// voice note (sendVoice, a real OGG/Opus file), per [voice] speak_replies; a SpeakReply that fails
// leaves the text alone, once.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { Gateway } from "../../src/core/gateway.ts";
import type { SpeakReply, Transcriber } from "../../src/core/voice/types.ts";
import { speechDir, type SpeechDir } from "../helpers/speech.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";

const CHAT = 5252;
let server: TelegramTestServer;
let speech: SpeechDir;
let ogg: Uint8Array;
const gateways: Gateway[] = [];

beforeAll(() => {
  speech = speechDir();
  ogg = speech.read(speech.ogg(speech.wav("echo hello")));
});
afterAll(() => speech.cleanup());
beforeEach(async () => {
  server = await TelegramTestServer.start();
});
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.stop();
  await server.stop();
});

const transcriber: Transcriber = { transcribe: async () => ({ text: "hello", language: "en", segments: [], audioMs: 1000, model: "whisper:test" }) };

function speaker(fail = false): { speak: SpeakReply; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    speak: async (text) => {
      calls.push(text);
      if (fail) throw new Error("synthesis broke");
      return { bytes: ogg, mime: "audio/ogg", durationMs: 1_200 };
    },
  };
}

async function gateway(speakReplies: string, speak: SpeakReply): Promise<Gateway> {
  const toml = [
    "[agent]",
    'provider = "echo"',
    "[gateway]",
    "watch_config = false",
    "shutdown_timeout_ms = 500",
    "[voice]",
    `speak_replies = "${speakReplies}"`,
    "[adapters.tg]",
    'kind = "telegram"',
    `token = "${server.token}"`,
    `api_root = "${server.url}"`,
    "poll_timeout_s = 1",
    "",
  ].join("\n");
  const g = new Gateway({ home: mkdtempSync(join(tmpdir(), "bosun-tg-speak-")), loaded: parseConfig(toml, "t.toml", {}), env: {}, version: "t", control: false, transcriber, speakReply: speak });
  gateways.push(g);
  await g.start();
  return g;
}

describe("spoken replies through the Gateway and Telegram", () => {
  test('"voice-in": a voice note gets its text reply, then a voice note answering the same message; a typed message gets text only', async () => {
    const s = speaker();
    await gateway("voice-in", s.speak);
    const pushed = server.pushVoice({ chatId: CHAT, bytes: new Uint8Array(2000), duration: 1 });
    const v = await server.waitForVoice();
    expect(server.outgoing).toEqual(["text:echo: hello", `voice:${CHAT}`]);
    expect(v.bytes).toEqual(ogg);
    expect(v.duration).toBe(2);
    expect(v.replyToMessageId).toBe(pushed.messageId);
    expect(s.calls).toEqual(["echo: hello"]);

    server.pushMessage({ chatId: CHAT, text: "typed" });
    await server.waitForSent((m) => m.text === "echo: typed");
    server.pushMessage({ chatId: CHAT, text: "again" });
    await server.waitForSent((m) => m.text === "echo: again");
    expect(server.voices).toHaveLength(1);
    expect(s.calls).toEqual(["echo: hello"]);
  });

  test('"never": no sendVoice for a voice note', async () => {
    const s = speaker();
    await gateway("never", s.speak);
    server.pushVoice({ chatId: CHAT, bytes: new Uint8Array(2000), duration: 1 });
    await server.waitForSent((m) => m.text === "echo: hello");
    server.pushMessage({ chatId: CHAT, text: "after" });
    await server.waitForSent((m) => m.text === "echo: after");
    expect(server.voices).toHaveLength(0);
    expect(s.calls).toEqual([]);
  });

  test("a SpeakReply that fails: the text reply is sent once and the session's next reply still goes", async () => {
    const s = speaker(true);
    await gateway("always", s.speak);
    server.pushMessage({ chatId: CHAT, text: "one" });
    await waitUntil(() => s.calls.length === 1, "the synthesis tried");
    server.pushMessage({ chatId: CHAT, text: "two" });
    await waitUntil(() => s.calls.length === 2, "the second synthesis tried");
    expect(server.outgoing).toEqual(["text:echo: one", "text:echo: two"]);
    expect(server.requests.filter((r) => r.method === "sendMessage")).toHaveLength(2);
  });
});
