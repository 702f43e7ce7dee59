import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import type { BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { VoiceError, type AudioInput, type Transcriber } from "../../src/core/voice/types.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";

const CHAT = 5151;
let server: TelegramTestServer;
const gateways: Gateway[] = [];

beforeEach(async () => {
  server = await TelegramTestServer.start();
});
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.stop();
  await server.stop();
});

/** A Transcriber that hears `say(audio)` (or throws what it returns), recording what it was given. */
function fakeTranscriber(say: (audio: AudioInput) => string | Error = () => "hello from a voice note"): Transcriber & { calls: AudioInput[] } {
  const calls: AudioInput[] = [];
  return {
    calls,
    async transcribe(audio) {
      calls.push(audio);
      const r = say(audio);
      if (r instanceof Error) throw r;
      return { text: r, language: "en", segments: [], audioMs: 1000, model: "whisper:test" };
    },
  };
}

function config(voice: string[] = []): string {
  return [
    "[agent]",
    'provider = "echo"',
    "[gateway]",
    "watch_config = false",
    "shutdown_timeout_ms = 200",
    "[voice]",
    ...voice,
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

async function gateway(home: string, transcriber: Transcriber, voice: string[] = [], restore = false): Promise<{ g: Gateway; events: BosunEvent[] }> {
  const g = new Gateway({ home, loaded: parseConfig(config(voice), "t.toml", {}), env: {}, version: "t", control: false, transcriber, restore });
  const events: BosunEvent[] = [];
  g.bus.on((e) => events.push(e));
  gateways.push(g);
  await g.start();
  return { g, events };
}

const home = () => mkdtempSync(join(tmpdir(), "bosun-tg-voice-"));
const note = (n = 3000) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

describe("telegram voice notes through the Gateway", () => {
  test("a voice note is fetched (getFile, the file URL), transcribed and answered as if typed; the transcript marks it", async () => {
    const t = fakeTranscriber();
    const { g } = await gateway(home(), t);
    const bytes = note();
    server.pushVoice({ chatId: CHAT, bytes, duration: 2 });
    const reply = await server.waitForSent((m) => m.chatId === CHAT);
    expect(reply.text).toBe("echo: hello from a voice note");
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]!.bytes).toEqual(bytes);
    expect(t.calls[0]!.mime).toBe("audio/ogg");
    expect(server.requests.some((r) => r.method === "getFile")).toBe(true);
    const detail = (await g.session(`tg:${CHAT}`))!;
    const user = detail.messages.find((m) => m.role === "user")!;
    expect(user.content).toBe("hello from a voice note");
    expect(user.voice).toBe(true);
    // Text messages are unchanged: no fetch, no transcription, not marked.
    server.pushMessage({ chatId: CHAT, text: "typed" });
    await server.waitForSent((m) => m.text === "echo: typed");
    expect(t.calls).toHaveLength(1);
    const typed = (await g.session(`tg:${CHAT}`))!.messages.find((m) => m.role === "user" && m.content === "typed")!;
    expect(typed.voice).toBeUndefined();
  });

  test("echo_transcript: the reply starts with what was heard", async () => {
    await gateway(home(), fakeTranscriber(), ["echo_transcript = true"]);
    server.pushVoice({ chatId: CHAT, bytes: note(), caption: "please answer" });
    const reply = await server.waitForSent((m) => m.chatId === CHAT);
    expect(reply.text).toBe("🎤 hello from a voice note\n\necho: please answer\n\nhello from a voice note");
  });

  test("too long by duration or by size: a clear reply, the Transcriber never called (and nothing downloaded for the duration)", async () => {
    const t = fakeTranscriber();
    const { g } = await gateway(home(), t, ["max_seconds = 5", "max_bytes = 2048"]);
    server.pushVoice({ chatId: CHAT, bytes: note(), duration: 60 });
    const long = await server.waitForSent((m) => m.chatId === CHAT);
    expect(long.text).toBe("I couldn't understand the voice message: the voice message is 60 s long; the limit is 5 s (raise [voice] max_seconds to accept longer ones)");
    expect(server.fileDownloads).toBe(0);
    server.pushVoice({ chatId: CHAT, bytes: note(5000), duration: 2 });
    await waitUntil(() => server.sent.length === 2, "the second reply", 10_000);
    expect(server.sent[1]!.text).toStartWith("I couldn't understand the voice message: the voice message is too big");
    expect(t.calls).toHaveLength(0);
    const s = (await g.session(`tg:${CHAT}`))!;
    expect(s.lastErrorType).toBe("voice");
    expect(s.state).toBe("errored");
  });

  test("a Transcriber with no model installed: the reply names the install command", async () => {
    await gateway(home(), fakeTranscriber(() => new VoiceError("voice_no_model", "no Whisper model is installed", "install one with `bosun install whisper:base.en`")));
    server.pushVoice({ chatId: CHAT, bytes: note() });
    const reply = await server.waitForSent((m) => m.chatId === CHAT);
    expect(reply.text).toBe("I couldn't understand the voice message: no Whisper model is installed (install one with `bosun install whisper:base.en`)");
  });

  test("a voice note accepted before a stop is transcribed after the restart, from its stored reference", async () => {
    const h = home();
    // The first gateway's transcription never ends: the stop cancels it and records nothing.
    let started = 0;
    const stuck: Transcriber = {
      transcribe: (_a, signal) =>
        new Promise((_, reject) => {
          started++;
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    };
    const first = await gateway(h, stuck);
    server.pushVoice({ chatId: CHAT, bytes: note(), duration: 1 });
    await waitUntil(() => started === 1, "the transcription started", 10_000);
    await first.g.stop();
    gateways.splice(gateways.indexOf(first.g), 1);
    expect(server.sent).toHaveLength(0);
    // Telegram will not deliver it again (its offset moved when it was accepted): only the stored ref can bring it back.
    const t = fakeTranscriber(() => "heard after the restart");
    // `up --restore`: what a chosen stop left waiting is answered (a crash needs no flag).
    await gateway(h, t, [], true);
    const reply = await server.waitForSent((m) => m.chatId === CHAT);
    expect(reply.text).toBe("echo: heard after the restart");
    expect(server.sent).toHaveLength(1);
  });
});
