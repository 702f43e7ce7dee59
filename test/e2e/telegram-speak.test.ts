// A Telegram voice note answered with a voice note (and its text), through dist/bosun alone:
// espeak-ng speech as OGG/Opus heard as "hello" by a generated Whisper model, answered by the echo
// agent, and the reply spoken by a tone Piper voice (one tone per phoneme id) through the embedded
// onnxruntime, sent with sendVoice; the voice note decodes back to the reply's phoneme ids.
import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeAudio } from "../../src/core/voice/decode.ts";
import { phonemesToIds } from "../../src/core/voice/tts/phoneme-ids.ts";
import { phonemizeClauses } from "../../src/core/voice/tts/phonemize.ts";
import { sandbox, type Sandbox } from "../helpers/bosun.ts";
import { writeHelloModel } from "../helpers/ggml-model.ts";
import { speechDir } from "../helpers/speech.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { installToneVoice, readToneIds, TONE_ID_MAP } from "../helpers/tone-voice.ts";
import { telegramToml, upDetached } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const CHAT = 4712;

async function setup(opts: { piper: boolean; speakReplies: string }): Promise<{ sb: Sandbox; tg: TelegramTestServer; voiceNote: Uint8Array }> {
  const tg = await TelegramTestServer.start();
  const sb = sandbox();
  const speech = speechDir();
  cleanups.push(() => tg.stop(), () => sb.runAsync(["down"], { timeoutMs: 15_000 }), () => speech.cleanup());
  const dir = join(sb.home, "models", "whisper");
  mkdirSync(dir, { recursive: true });
  const model = readFileSync(writeHelloModel(join(dir, "ggml-hello.bin")));
  let installs = `[[installs.custom]]\ntarget = "whisper:hello"\nurl = "http://127.0.0.1:9/ggml-hello.bin"\nsize = ${model.length}\nsha256 = "${createHash("sha256").update(model).digest("hex")}"\n`;
  if (opts.piper) installs += installToneVoice(sb.home).toml;
  sb.writeConfig(`[agent]\nprovider = "echo"\n[gateway]\nheartbeat_ms = 200\n[voice]\nspeak_replies = "${opts.speakReplies}"\n${installs}${telegramToml(tg)}`);
  return { sb, tg, voiceNote: speech.read(speech.ogg(speech.wav("hello"))) };
}

async function expectedIds(text: string): Promise<number[]> {
  const map = new Map(Object.entries(TONE_ID_MAP));
  return (await phonemizeClauses(text, "en-us")).flatMap((c) => phonemesToIds(c, map).ids);
}

describe("spoken replies through dist/bosun", () => {
  test('"voice-in" with a Piper voice installed: the text reply, then a voice note that decodes to the tones of its phonemes', async () => {
    const { sb, tg, voiceNote } = await setup({ piper: true, speakReplies: "voice-in" });
    await upDetached(sb);
    const pushed = tg.pushVoice({ chatId: CHAT, bytes: voiceNote, duration: 1 });
    const v = await tg.waitForVoice((x) => x.chatId === CHAT, 60_000);
    expect(tg.outgoing).toEqual(["text:echo: hello", `voice:${CHAT}`]);
    expect(v.fileName).toBe("reply.ogg");
    expect(v.replyToMessageId).toBe(pushed.messageId);
    const pcm = await decodeAudio({ bytes: v.bytes }, new AbortController().signal);
    expect(readToneIds(pcm.samples, 16_000)).toEqual(await expectedIds("echo: hello"));
    expect(v.duration).toBe(Math.ceil(pcm.samples.length / 16_000));
  }, 90_000);

  test('"never": the text reply only', async () => {
    const { sb, tg, voiceNote } = await setup({ piper: true, speakReplies: "never" });
    await upDetached(sb);
    tg.pushVoice({ chatId: CHAT, bytes: voiceNote, duration: 1 });
    await tg.waitForSent((m) => m.text === "echo: hello", 60_000);
    // A voice note would go before the session's next reply: after that one, none came.
    tg.pushMessage({ chatId: CHAT, text: "more" });
    await tg.waitForSent((m) => m.text === "echo: more", 30_000);
    expect(tg.voices).toHaveLength(0);
    expect(tg.requests.filter((r) => r.method === "sendVoice")).toHaveLength(0);
  }, 90_000);

  test("no Piper voice installed: text replies alone, and the log says so once, not a warning per reply", async () => {
    const { sb, tg, voiceNote } = await setup({ piper: false, speakReplies: "voice-in" });
    await upDetached(sb);
    tg.pushVoice({ chatId: CHAT, bytes: voiceNote, duration: 1 });
    await tg.waitForSent((m) => m.text === "echo: hello", 60_000);
    tg.pushVoice({ chatId: CHAT, bytes: voiceNote, duration: 1 });
    await tg.waitForSent((m) => tg.sent.filter((s) => s.text === "echo: hello").length === 2 && m.text === "echo: hello", 60_000);
    tg.pushMessage({ chatId: CHAT, text: "more" });
    await tg.waitForSent((m) => m.text === "echo: more", 30_000);
    expect(tg.voices).toHaveLength(0);
    const log = readFileSync(join(sb.home, "logs", "bosun.log"), "utf8");
    const lines = log.split("\n").filter((l) => /piper/i.test(l) && /not spoken|no piper voice/i.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/\bWARN/i);
    expect(log.split("\n").filter((l) => /voice note/i.test(l) && /\bWARN/i.test(l))).toEqual([]);
  }, 120_000);
});
