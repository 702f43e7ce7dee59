import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { VoiceError } from "../../src/core/voice/types.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { makeAdapter, StreamReader, type Harness } from "./telegram-helpers.ts";

const CHAT = 777002;
let server: TelegramTestServer;
const running: Adapter[] = [];

beforeEach(async () => {
  server = await TelegramTestServer.start();
});
afterEach(async () => {
  for (const a of running.splice(0)) await a.shutdown();
  await server.stop();
});

async function started(h: Harness): Promise<StreamReader> {
  running.push(h.adapter);
  return new StreamReader(await h.adapter.start(new AbortController().signal));
}

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
const never = new AbortController().signal;

describe("telegram voice messages", () => {
  test("a voice note and an audio file become messages with a voice ref; fetchAudio brings their bytes back", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    const note = bytes(10_000);
    const pushed = server.pushVoice({ chatId: CHAT, bytes: note, duration: 3 });
    const e = await reader.nextMessage();
    expect(e.message).toMatchObject({ id: `${CHAT}:${pushed.messageId}`, conversation: String(CHAT), text: "", voice: { ref: pushed.fileId, mime: "audio/ogg", durationS: 3, sizeBytes: 10_000 } });
    const audio = await h.adapter.fetchAudio!(e.message.voice!.ref, 1_000_000, never);
    expect(audio.bytes).toEqual(note);
    expect(audio.name).toBe("file_0.oga");
    expect(server.fileDownloads).toBe(1);
    await e.accepted?.();

    server.pushVoice({ chatId: CHAT, bytes: bytes(100), kind: "audio", caption: "what does this say?" });
    const a = await reader.nextMessage();
    expect(a.message.text).toBe("what does this say?");
    expect(a.message.voice?.mime).toBe("audio/mpeg");
  });

  test("too big: refused from getFile's size, from Content-Length and while reading; the token is in no error", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    const fetchErr = async (ref: string, max: number) => (await h.adapter.fetchAudio!(ref, max, never).then(() => null, (e: unknown) => e)) as Error;

    const announced = server.pushVoice({ chatId: CHAT, bytes: bytes(5_000) });
    await reader.nextMessage();
    const e1 = await fetchErr(announced.fileId, 2_000);
    expect(e1).toBeInstanceOf(VoiceError);
    expect((e1 as VoiceError).code).toBe("voice_too_long");
    expect(server.fileDownloads).toBe(0);

    // No size in getFile: the download's Content-Length says it.
    const unsized = server.pushVoice({ chatId: CHAT, bytes: bytes(5_000), fileSize: null });
    await reader.nextMessage();
    expect(((await fetchErr(unsized.fileId, 2_000)) as VoiceError).code).toBe("voice_too_long");

    // Nor a Content-Length: the bytes are counted as they come.
    server.chunkedDownloads = true;
    const e3 = await fetchErr(unsized.fileId, 2_000);
    expect((e3 as VoiceError).code).toBe("voice_too_long");

    // A file_id Telegram does not know: a plain error naming getFile, no token anywhere.
    const e4 = await fetchErr("AwACAgIAAxkBAAInope", 2_000);
    expect(e4.message).toContain("getFile");
    for (const e of [e1, e3, e4]) expect(`${e.message} ${String((e as VoiceError).hint)}`).not.toContain(server.token.split(":")[1]!);
    // Within the limit it still works, chunked.
    expect((await h.adapter.fetchAudio!(unsized.fileId, 10_000, never)).bytes.byteLength).toBe(5_000);
  });

  test("text messages are unchanged: no voice ref", async () => {
    const h = makeAdapter(server);
    const reader = await started(h);
    server.pushMessage({ chatId: CHAT, text: "plain" });
    const t = await reader.nextMessage();
    expect(t.message.text).toBe("plain");
    expect(t.message.voice).toBeUndefined();
  });
});
