/**
 * Voice in the chat page, in real Chromium. Against dist/bosun with the test Whisper model that
 * hears "hello": Chromium's fake microphone plays espeak-ng speech, the page records it (Web
 * Audio, 16 kHz WAV), sends it, and shows "🎤 hello" and the echo agent's reply. Against the
 * webchat adapter alone: a spoken reply (a real OGG/Opus from opusenc) sent with sendVoice shows
 * as a player under the reply's text, not played by itself; Esc discards a recording; no
 * microphone button where the browser has no getUserMedia.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola";
import { chromium, type Browser, type Page } from "playwright-core";
import { createWebchatAdapter } from "../../src/core/adapters/webchat/index.ts";
import { webchatConfigSchema } from "../../src/core/adapters/webchat/kind.ts";
import type { Adapter, AdapterEvent, TranscriptEntry } from "../../src/core/adapters/types.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { freePort, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { writeHelloModel } from "../helpers/ggml-model.ts";
import { speechDir, type SpeechDir } from "../helpers/speech.ts";
import { waitUntil } from "../helpers/wait.ts";

const CHROMIUM = "/usr/bin/chromium";
const runIt = existsSync(CHROMIUM) || process.env.CI === "true";
if (!runIt) console.warn(`test/e2e/webchat-voice-page.test.ts skipped: no Chromium at ${CHROMIUM}`);
const WAIT = { timeout: 15_000 };
const BASE_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"];
const micArgs = (wav: string) => ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${wav}`];

type MessageEvent = Extract<AdapterEvent, { type: "message" }>;

(runIt ? describe : describe.skip)("chat page microphone against dist/bosun", () => {
  let sb: Sandbox;
  let speech: SpeechDir;
  let browser: Browser;

  beforeAll(async () => {
    sb = sandbox();
    speech = speechDir();
    const port = await freePort();
    const dir = join(sb.home, "models", "whisper");
    mkdirSync(dir, { recursive: true });
    const bytes = readFileSync(writeHelloModel(join(dir, "ggml-hello.bin")));
    const installs = `[[installs.custom]]\ntarget = "whisper:hello"\nurl = "http://127.0.0.1:9/ggml-hello.bin"\nsize = ${bytes.length}\nsha256 = "${createHash("sha256").update(bytes).digest("hex")}"\n`;
    sb.writeConfig(`[agent]\nprovider = "echo"\n${installs}\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);
    const wav = speech.wav("hello, this is a test of the microphone");
    const [up, b] = await Promise.all([sb.runAsync(["up", "--detach"]), chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, ...micArgs(wav)] })]);
    browser = b;
    expect(up.code).toBe(0);
    (globalThis as { __voicePort?: number }).__voicePort = port;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sb?.runAsync(["down"], { timeoutMs: 15_000 });
    speech?.cleanup();
  });

  test("press the microphone, speak, press again: the page shows 🎤 hello and the reply", async () => {
    const port = (globalThis as { __voicePort?: number }).__voicePort!;
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT.timeout);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator("#state", { hasText: /^connected$/ }).waitFor(WAIT);
    const mic = page.locator("#mic");
    await mic.waitFor({ state: "visible" });
    await mic.click();
    await page.locator("#rec").waitFor({ state: "visible" });
    // About a second of the fake microphone's speech, timed by the page's own counter.
    await page.locator("#rec-time", { hasText: "0:01" }).waitFor(WAIT);
    await mic.click();
    await expect(page.locator("#rec").isHidden()).resolves.toBe(true);
    await page.locator(".msg.user .text", { hasText: "🎤 hello" }).waitFor({ timeout: 60_000 });
    await page.locator(".msg.agent .text", { hasText: "echo: hello" }).waitFor(WAIT);
    expect(await page.locator(".msg.user .text").allTextContents()).toEqual(["🎤 hello"]);
    // After a reload the stored conversation shows it the same way.
    await page.reload();
    await page.locator(".msg.agent .text", { hasText: "echo: hello" }).waitFor(WAIT);
    expect(await page.locator(".msg.user .text").allTextContents()).toEqual(["🎤 hello"]);
    await page.close();
  }, 90_000);
});

(runIt ? describe : describe.skip)("chat page voice against the webchat adapter", () => {
  let browser: Browser;
  let speech: SpeechDir;
  let ogg: Uint8Array;
  let adapter: Adapter;
  let port: number;
  const inbound: MessageEvent[] = [];
  let stored: TranscriptEntry[] = [];

  beforeAll(async () => {
    speech = speechDir();
    const wav = speech.wav("the answer, spoken");
    ogg = speech.read(speech.ogg(wav));
    port = await freePort();
    const config = webchatConfigSchema.parse({ kind: "webchat", listen: `127.0.0.1:${port}` });
    const stateDir = mkdtempSync(join(tmpdir(), "bosun-webchat-page-"));
    adapter = createWebchatAdapter({ name: "web", config, log: createConsola({ level: 0 }), clock: systemClock, stateFile: join(stateDir, "web.json"), transcript: async () => stored });
    const stream = await adapter.start(new AbortController().signal);
    void (async () => {
      for await (const ev of stream) if (ev.type === "message") inbound.push(ev);
    })();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, ...micArgs(wav)] });
  });
  afterAll(async () => {
    await browser?.close();
    await adapter?.shutdown();
    speech?.cleanup();
  });
  afterEach(() => {
    stored = [];
  });

  async function openPage(init?: () => void): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT.timeout);
    if (init) await page.addInitScript(init);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator("#state", { hasText: /^connected$/ }).waitFor(WAIT);
    return page;
  }

  test("a spoken reply shows a player under the reply's text that plays the OGG/Opus, and does not start by itself", async () => {
    const page = await openPage();
    await page.locator("#t").fill("say it");
    await page.locator("#t").press("Enter");
    const ev = await waitUntil(() => inbound.find((e) => e.message.text === "say it"), "the message at the adapter");
    await ev.accepted!();
    const reply = { conversation: ev.message.conversation, text: "the answer", replyTo: ev.message.id };
    await adapter.send(reply);
    await adapter.sendVoice!(reply, { bytes: ogg, mime: "audio/ogg", durationMs: 1500 });
    const audio = page.locator(".msg.agent", { hasText: "the answer" }).locator("audio");
    await audio.waitFor();
    // The browser decoded it: a real OGG/Opus with a duration, paused (typed, not recorded here).
    await page.waitForFunction(() => {
      const a = document.querySelector(".msg.agent audio") as HTMLAudioElement | null;
      return !!a && a.readyState >= 1 && a.duration > 0.5;
    });
    expect(await audio.evaluate((a: HTMLAudioElement) => ({ paused: a.paused, controls: a.controls, error: a.error?.code ?? null }))).toEqual({ paused: true, controls: true, error: null });
    expect(await page.locator(".msg.agent audio").count()).toBe(1);
    await page.close();
  });

  test("the answer to a recording made in this page is played at once; Esc discards a recording", async () => {
    const page = await openPage();
    // Esc: nothing is sent.
    await page.locator("#mic").click();
    await page.locator("#rec-time", { hasText: "0:01" }).waitFor(WAIT);
    await page.keyboard.press("Escape");
    await page.locator("#rec").waitFor({ state: "hidden" });
    const before = inbound.length;
    await page.locator("#mic").click();
    await page.locator("#rec-time", { hasText: "0:01" }).waitFor(WAIT);
    await page.locator("#mic").click();
    const ev = await waitUntil(() => inbound.slice(before).find((e) => e.message.voice), "the recording at the adapter");
    expect(inbound.length).toBe(before + 1);
    expect(ev.message).toMatchObject({ text: "", voice: { mime: "audio/wav" } });
    expect(ev.message.voice!.durationS).toBeGreaterThanOrEqual(1);
    // What the browser sent is a 16 kHz WAV the adapter stored for the runtime.
    const audio = await adapter.fetchAudio!(ev.message.voice!.ref, 10_000_000, new AbortController().signal);
    expect(new DataView(audio.bytes.buffer, audio.bytes.byteOffset).getUint32(24, true)).toBe(16_000);
    await ev.accepted!();
    await page.locator(".msg.user.voice:not(.pending)").waitFor();
    stored = [{ role: "user", id: ev.message.id, text: "what the page said", at: new Date().toISOString(), voice: true }];
    const reply = { conversation: ev.message.conversation, text: "spoken back", replyTo: ev.message.id };
    await adapter.send(reply);
    await page.locator(".msg.user .text", { hasText: "🎤 what the page said" }).waitFor();
    await adapter.sendVoice!(reply, { bytes: ogg, mime: "audio/ogg", durationMs: 1500 });
    await page.waitForFunction(() => {
      const a = [...document.querySelectorAll(".msg.agent")].find((e) => e.textContent?.includes("spoken back"))?.querySelector("audio");
      return !!a && !a.paused;
    });
    await page.close();
  });

  test("no microphone button where the browser has no getUserMedia", async () => {
    const page = await openPage(() => Object.defineProperty(navigator, "mediaDevices", { value: undefined }));
    expect(await page.locator("#mic").isHidden()).toBe(true);
    const normal = await openPage();
    expect(await normal.locator("#mic").isVisible()).toBe(true);
    await page.close();
    await normal.close();
  });
});
