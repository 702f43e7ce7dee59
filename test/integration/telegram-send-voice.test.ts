// Telegram sendVoice against the local Bot API server: a spoken reply uploaded as
// multipart/form-data (a real OGG/Opus file from espeak-ng + opusenc), and its failures classified
// as a text send's are (429 waited out, 403 given up on at once, a network error without the token).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { UndeliverableError } from "../../src/core/messages.ts";
import type { VoiceNote } from "../../src/core/voice/types.ts";
import { speechDir, type SpeechDir } from "../helpers/speech.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { makeAdapter, StreamReader } from "./telegram-helpers.ts";

const CHAT = 777003;
const GROUP = -100777003;
let server: TelegramTestServer;
let speech: SpeechDir;
let ogg: Uint8Array;
const running: Adapter[] = [];

beforeAll(() => {
  speech = speechDir();
  ogg = speech.read(speech.ogg(speech.wav("hello there")));
});
afterAll(() => speech.cleanup());
beforeEach(async () => {
  server = await TelegramTestServer.start();
});
afterEach(async () => {
  for (const a of running.splice(0)) await a.shutdown();
  await server.stop();
});

async function started(): Promise<{ adapter: Adapter; reader: StreamReader; logs: string[] }> {
  const h = makeAdapter(server);
  running.push(h.adapter);
  return { adapter: h.adapter, reader: new StreamReader(await h.adapter.start(new AbortController().signal)), logs: h.logs };
}

const note = (): VoiceNote => ({ bytes: ogg, mime: "audio/ogg", durationMs: 1_400 });

describe("telegram sendVoice", () => {
  test("uploads the voice note as multipart/form-data: chat, file reply.ogg (audio/ogg), whole-second duration, the topic and the message answered", async () => {
    const { adapter } = await started();
    const asked = server.pushMessage({ chatId: GROUP, text: "say it", threadId: 7 });
    const m = { conversation: String(GROUP), thread: "7", text: "hello there", replyTo: `${GROUP}:${asked.messageId}` };
    await adapter.send(m);
    await adapter.sendVoice!(m, note());
    const v = await server.waitForVoice();
    expect(server.outgoing).toEqual(["text:hello there", `voice:${GROUP}`]);
    expect(v.chatId).toBe(GROUP);
    expect(v.fileName).toBe("reply.ogg");
    expect(v.fileType).toBe("audio/ogg");
    expect(v.bytes).toEqual(ogg);
    expect(v.duration).toBe(2);
    expect(v.threadId).toBe(7);
    expect(v.replyToMessageId).toBe(asked.messageId);
    expect(JSON.parse(v.fields.reply_parameters!)).toEqual({ message_id: asked.messageId, allow_sending_without_reply: true });
    expect(Object.keys(v.fields).sort()).toEqual(["chat_id", "duration", "message_thread_id", "reply_parameters"]);
    const req = server.requests.find((r) => r.method === "sendVoice")!;
    expect(req.status).toBe(200);
  });

  test("a 429 with a short retry_after is waited out and the voice note sent once", async () => {
    const { adapter, logs } = await started();
    server.pushMessage({ chatId: CHAT, text: "hi" });
    server.rateLimit(1, ["sendVoice"]);
    await adapter.sendVoice!({ conversation: String(CHAT), text: "x" }, note());
    expect(server.voices).toHaveLength(1);
    expect(server.rateLimitedResponses).toBe(1);
    expect(logs.some((l) => l.includes("rate limit on sendVoice"))).toBe(true);
  });

  test("the caller's signal ends the send: a stalled upload is cut, a 429's retry wait is not waited out", async () => {
    const { adapter } = await started();
    server.pushMessage({ chatId: CHAT, text: "hi" });
    server.stallVoice = true;
    const t0 = Date.now();
    const stalled = await adapter.sendVoice!({ conversation: String(CHAT), text: "x" }, note(), AbortSignal.timeout(200)).then(() => null, (e: unknown) => e);
    expect(stalled).toBeInstanceOf(Error);
    expect(Date.now() - t0).toBeLessThan(2_000);
    server.stallVoice = false;
    server.rateLimit(2, ["sendVoice"]);
    const t1 = Date.now();
    const limited = await adapter.sendVoice!({ conversation: String(CHAT), text: "x" }, note(), AbortSignal.timeout(300)).then(() => null, (e: unknown) => e);
    expect(limited).toBeInstanceOf(Error);
    expect(Date.now() - t1).toBeLessThan(1_500);
    expect(server.voices).toHaveLength(0);
  });

  test("a 403 (the bot was blocked) is undeliverable; a 400 too; a network error never shows the token", async () => {
    const { adapter } = await started();
    server.pushMessage({ chatId: CHAT, text: "hi" });
    server.refuseVoice = () => ({ code: 403, description: "Forbidden: bot was blocked by the user" });
    const blocked = await adapter.sendVoice!({ conversation: String(CHAT), text: "x" }, note()).then(() => null, (e: unknown) => e);
    expect(blocked).toBeInstanceOf(UndeliverableError);
    expect((blocked as Error).message).toContain("bot was blocked by the user");
    server.refuseVoice = null;
    // Not an Ogg/Opus stream: the server refuses it (400), which a retry cannot change.
    const junk = await adapter.sendVoice!({ conversation: String(CHAT), text: "x" }, { bytes: new Uint8Array(100), mime: "audio/ogg", durationMs: 1 }).then(() => null, (e: unknown) => e);
    expect(junk).toBeInstanceOf(UndeliverableError);
    expect(server.voices).toHaveLength(0);

    await server.pause();
    const down = await adapter.sendVoice!({ conversation: String(CHAT), text: "x" }, note()).then(() => null, (e: unknown) => e);
    server.resume();
    expect(down).toBeInstanceOf(Error);
    expect(down).not.toBeInstanceOf(UndeliverableError);
    const shown = `${(down as Error).message} ${(down as Error).stack ?? ""} ${JSON.stringify(down)}`;
    expect(shown).toContain("sendVoice");
    expect(shown).not.toContain(server.token);
    expect(shown).not.toContain(server.token.split(":")[1]!);
  });
});
