// A Telegram voice note answered as if typed, through dist/bosun alone: espeak-ng speech encoded
// by opusenc, served by the local Bot API server (getFile, the file URL), transcribed by the
// embedded whisper sidecar with a generated model that hears "hello", answered by the echo agent.
import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sandbox, type Sandbox } from "../helpers/bosun.ts";
import { writeHelloModel } from "../helpers/ggml-model.ts";
import { speechDir } from "../helpers/speech.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { telegramToml, upDetached } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const CHAT = 4711;

async function setup(opts: { model: boolean }): Promise<{ sb: Sandbox; tg: TelegramTestServer; voiceNote: Uint8Array }> {
  const tg = await TelegramTestServer.start();
  const sb = sandbox();
  const speech = speechDir();
  cleanups.push(() => tg.stop(), () => sb.runAsync(["down"], { timeoutMs: 15_000 }), () => speech.cleanup());
  let installs = "";
  if (opts.model) {
    const dir = join(sb.home, "models", "whisper");
    mkdirSync(dir, { recursive: true });
    const bytes = readFileSync(writeHelloModel(join(dir, "ggml-hello.bin")));
    installs = `[[installs.custom]]\ntarget = "whisper:hello"\nurl = "http://127.0.0.1:9/ggml-hello.bin"\nsize = ${bytes.length}\nsha256 = "${createHash("sha256").update(bytes).digest("hex")}"\n`;
  }
  sb.writeConfig(`[agent]\nprovider = "echo"\n[gateway]\nheartbeat_ms = 200\n[voice]\necho_transcript = true\n${installs}${telegramToml(tg)}`);
  const voiceNote = speech.read(speech.ogg(speech.wav("hello")));
  return { sb, tg, voiceNote };
}

describe("telegram voice notes through dist/bosun", () => {
  test("an OGG/Opus voice note is transcribed by the installed model and answered with what was said", async () => {
    const { sb, tg, voiceNote } = await setup({ model: true });
    await upDetached(sb);
    tg.pushVoice({ chatId: CHAT, bytes: voiceNote, duration: 1 });
    const reply = await tg.waitForSent((m) => m.chatId === CHAT, 60_000);
    expect(reply.text).toBe("🎤 hello\n\necho: hello");
    expect(tg.fileDownloads).toBe(1);
  }, 90_000);

  test("with no Whisper model installed, the reply names the command that installs one", async () => {
    const { sb, tg, voiceNote } = await setup({ model: false });
    await upDetached(sb);
    tg.pushVoice({ chatId: CHAT, bytes: voiceNote, duration: 1 });
    const reply = await tg.waitForSent((m) => m.chatId === CHAT, 30_000);
    expect(reply.text).toStartWith("I couldn't understand the voice message: no Whisper model is installed");
    expect(reply.text).toContain("bosun install whisper:base.en");
  }, 60_000);
});
