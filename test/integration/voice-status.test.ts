import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import type { BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { localApi } from "../../src/core/control/local.ts";
import type { Transcriber } from "../../src/core/voice/types.ts";
import { writeHelloModel } from "../helpers/ggml-model.ts";
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

/** A Transcriber that hears "hello" once `release()` is called. */
function heldTranscriber(): Transcriber & { release(): void; started: () => boolean; calls: () => number } {
  const gate = Promise.withResolvers<void>();
  let started = false;
  let calls = 0;
  return {
    release: () => gate.resolve(),
    started: () => started,
    calls: () => calls,
    async transcribe() {
      started = true;
      calls++;
      await gate.promise;
      return { text: "hello", language: "en", segments: [], audioMs: 1000, model: "whisper:test" };
    },
  };
}

async function gateway(transcriber: Transcriber, hello: boolean): Promise<{ g: Gateway; events: BosunEvent[] }> {
  const home = mkdtempSync(join(tmpdir(), "bosun-voice-status-"));
  let custom = "";
  if (hello) {
    const dir = join(home, "models", "whisper");
    mkdirSync(dir, { recursive: true });
    const bytes = readFileSync(writeHelloModel(join(dir, "ggml-hello.bin")));
    custom = `[[installs.custom]]\ntarget = "whisper:hello"\nurl = "http://127.0.0.1:9/ggml-hello.bin"\nsize = ${bytes.length}\nsha256 = "${createHash("sha256").update(bytes).digest("hex")}"\n`;
  }
  const text = `[agent]\nprovider = "echo"\n[gateway]\nwatch_config = false\nshutdown_timeout_ms = 200\n[adapters.tg]\nkind = "telegram"\ntoken = "${server.token}"\napi_root = "${server.url}"\npoll_timeout_s = 1\n${custom}`;
  const g = new Gateway({ home, loaded: parseConfig(text, "t.toml", {}), env: {}, version: "t", control: false, transcriber });
  const events: BosunEvent[] = [];
  g.bus.on((e) => events.push(e));
  gateways.push(g);
  await g.start();
  return { g, events };
}

describe("voice in the status", () => {
  test("a voice note's session is listed as transcribing while its transcription runs, and not after", async () => {
    const t = heldTranscriber();
    const { g, events } = await gateway(t, false);
    expect(g.snapshot().voice.transcribing).toEqual([]);
    server.pushVoice({ chatId: CHAT, bytes: new Uint8Array(3000), duration: 2 });
    await waitUntil(() => t.started(), "the transcription never started");
    expect(g.snapshot().voice.transcribing).toEqual([`tg:${CHAT}`]);
    t.release();
    const reply = await server.waitForSent((m) => m.chatId === CHAT);
    expect(reply.text).toBe("echo: hello");
    expect(g.snapshot().voice.transcribing).toEqual([]);
    expect(events.filter((e) => e.type === "voice.transcribing").map((e) => (e as { active: boolean }).active)).toEqual([true, false]);
  });

  test("stt names the Whisper model a voice message would use, null when none is installed; tts likewise", async () => {
    const withModel = await gateway(heldTranscriber(), true);
    const v = await waitUntil(() => withModel.events.some((e) => e.type === "voice.state") && withModel.g.snapshot().voice, "no voice.state");
    expect(v).toMatchObject({ stt: "whisper:hello", tts: null, transcribing: [] });
    expect(typeof v.sidecar).toBe("boolean");
    // Uninstalled: the status says so.
    await withModel.g.installer.uninstall("whisper:hello");
    await waitUntil(() => withModel.g.snapshot().voice.stt === null, () => `stt still ${withModel.g.snapshot().voice.stt}`);
    const none = await gateway(heldTranscriber(), false);
    await waitUntil(() => none.events.some((e) => e.type === "voice.state"), "no voice.state");
    expect(none.g.snapshot().voice).toMatchObject({ stt: null, tts: null });
  });
});

describe("the control API's transcriptions", () => {
  test("use the very Transcriber voice messages use (so they wait for the same max_concurrent slots)", async () => {
    const t = heldTranscriber();
    const { g } = await gateway(t, false);
    server.pushVoice({ chatId: CHAT, bytes: new Uint8Array(3000), duration: 2 });
    await waitUntil(() => t.started(), "the voice note's transcription never started");
    // The API's request is given to the same object as the voice note.
    const viaApi = localApi(g, "cli").transcribe({ audio: { bytes: new Uint8Array(10) } });
    await waitUntil(() => t.calls() === 2, () => `the transcriber was called ${t.calls()} time(s)`);
    t.release();
    expect((await viaApi).text).toBe("hello");
    expect((await server.waitForSent((m) => m.chatId === CHAT)).text).toBe("echo: hello");
  });
});
