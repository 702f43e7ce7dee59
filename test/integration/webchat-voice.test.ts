/**
 * Webchat voice messages through the real Gateway (webchat adapter, turn runtime, SQLite store)
 * with a Transcriber that hears "hello": the recording is stored before the ack, transcribed,
 * answered as if typed, the page told what was heard; a recording accepted before a stop is
 * transcribed after the restart from the stored file; hostile frames get an error, never a turn.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { createConsola } from "consola";
import { createWebchatAdapter } from "../../src/core/adapters/webchat/index.ts";
import { webchatConfigSchema } from "../../src/core/adapters/webchat/kind.ts";
import { VOICE_KEEP_MS, VOICE_SWEEP_MS } from "../../src/core/adapters/webchat/voice.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { Gateway } from "../../src/core/gateway.ts";
import type { AudioInput, Transcriber } from "../../src/core/voice/types.ts";
import { freePort } from "../helpers/bosun.ts";
import { pageWav, WebchatClient } from "../helpers/webchat.ts";
import { waitUntil } from "../helpers/wait.ts";

const gateways: Gateway[] = [];
const clients: WebchatClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const g of gateways.splice(0)) await g.stop();
});

function hears(text = "hello"): Transcriber & { calls: AudioInput[] } {
  const calls: AudioInput[] = [];
  return {
    calls,
    async transcribe(audio) {
      calls.push(audio);
      return { text, language: "en", segments: [], audioMs: 1000, model: "whisper:test" };
    },
  };
}

async function gateway(home: string, port: number, transcriber: Transcriber, restore = false): Promise<Gateway> {
  const toml = ["[agent]", 'provider = "echo"', "[gateway]", "watch_config = false", "shutdown_timeout_ms = 200", "[adapters.web]", 'kind = "webchat"', `listen = "127.0.0.1:${port}"`, ""].join("\n");
  const g = new Gateway({ home, loaded: parseConfig(toml, "t.toml", {}), env: {}, version: "t", control: false, transcriber, restore });
  gateways.push(g);
  await g.start();
  return g;
}
async function open(port: number, conversation: string): Promise<WebchatClient> {
  const c = await WebchatClient.open(port, conversation);
  clients.push(c);
  return c;
}
const home = () => mkdtempSync(join(tmpdir(), "bosun-webchat-voice-"));
const voiceFrame = (id: string, wav = pageWav(1)) => ({ type: "voice", id, audio: Buffer.from(wav).toString("base64") });
/** The adapter's recordings folder under the home (next to its state file). */
const recordings = (h: string) => {
  const dir = join(h, "state", "adapters");
  const found = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".voice")) : [];
  return found.length ? readdirSync(join(dir, found[0]!)) : [];
};

describe("webchat voice messages through the Gateway", () => {
  test("a recording is acked, transcribed and answered as if typed; the page learns what was heard; the transcript marks it", async () => {
    const h = home();
    const port = await freePort();
    const t = hears();
    const g = await gateway(h, port, t);
    const c = await open(port, "talk1");
    const other = await open(port, "talk1");
    const wav = pageWav(1.5);
    c.send(voiceFrame("v1", wav));
    await c.waitFor((f) => f.type === "ack" && f.id === "v1");
    // Another tab sees a voice message (no text yet).
    expect(await other.waitFor((f) => f.type === "message" && f.role === "user")).toMatchObject({ id: "v1", text: "", voice: true });
    const heard = await c.waitFor((f) => f.type === "heard");
    expect(heard).toEqual({ type: "heard", id: "v1", text: "hello" });
    const reply = await c.waitFor((f) => f.type === "message" && f.role === "agent");
    expect(reply).toMatchObject({ text: "echo: hello", replyTo: "v1" });
    // "heard" comes before the reply it belongs to.
    expect(c.frames.findIndex((f) => f.type === "heard")).toBeLessThan(c.frames.indexOf(reply));
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]!.bytes).toEqual(wav);
    expect(t.calls[0]!.mime).toBe("audio/wav");
    const user = (await g.session("web:talk1"))!.messages.find((m) => m.role === "user")!;
    expect(user).toMatchObject({ content: "hello", voice: true });
    // The reply went out: the recording is not kept.
    await waitUntil(() => recordings(h).length === 0, "the recording removed after the reply");
    // A page that connects now sees it in the history as a voice message.
    const later = await open(port, "talk1");
    const history = await later.waitFor((f) => f.type === "history");
    expect(history.messages).toContainEqual(expect.objectContaining({ role: "user", id: "v1", text: "hello", voice: true }));
  });

  test("hostile voice frames get an error naming their id, and no turn", async () => {
    const port = await freePort();
    const t = hears();
    await gateway(home(), port, t);
    const c = await open(port, "bad1");
    c.send({ type: "voice", id: "b1", audio: "&&&&" });
    expect(await c.waitFor((f) => f.type === "error" && f.id === "b1")).toMatchObject({ message: '"audio" is not base64' });
    c.send({ type: "voice", id: "b2", audio: Buffer.from("OggS not a wav at all, not at all, no no no no").toString("base64") });
    expect((await c.waitFor((f) => f.type === "error" && f.id === "b2")).message).toContain("not a 16-bit mono PCM WAV");
    // The rate limit counts every voice frame of the socket (these two bad ones too).
    for (let i = 3; i <= 7; i++) c.send(voiceFrame(`b${i}`, pageWav(0.5)));
    expect(await c.waitFor((f) => f.type === "error" && f.id === "b7")).toMatchObject({ code: "rate_limited" });
    // The four within the limit are answered; the connection is still fine.
    await c.waitFor((f) => f.type === "message" && f.replyTo === "b6");
    expect(t.calls).toHaveLength(4);
    c.send({ type: "ping" });
    await c.waitFor((f) => f.type === "pong");
  });

  test("a recording accepted before a stop is transcribed after the restart, from the stored file", async () => {
    const h = home();
    const port = await freePort();
    let started = 0;
    const stuck: Transcriber = {
      transcribe: (_a, signal) =>
        new Promise((_, reject) => {
          started++;
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    };
    const first = await gateway(h, port, stuck);
    const c = await open(port, "talk2");
    const wav = pageWav(1);
    c.send(voiceFrame("r1", wav));
    await c.waitFor((f) => f.type === "ack" && f.id === "r1");
    await waitUntil(() => started === 1, "the transcription started", 10_000);
    await first.stop();
    gateways.splice(gateways.indexOf(first), 1);
    expect(recordings(h)).toHaveLength(1);
    // The page is gone too: nothing resends the recording; only the stored file can bring it back.
    c.close();
    const t = hears("heard after the restart");
    await gateway(h, port, t, true);
    await waitUntil(() => t.calls.length === 1, "transcribed after the restart", 15_000);
    expect(t.calls[0]!.bytes).toEqual(wav);
    // Answered with no page open: the reply and what was heard are in the history a page gets.
    await waitUntil(() => recordings(h).length === 0, "the recording removed once answered", 15_000);
    const page = await open(port, "talk2");
    const history = await page.waitFor((f) => f.type === "history");
    expect(history.messages).toEqual([
      expect.objectContaining({ role: "user", id: "r1", text: "heard after the restart", voice: true }),
      expect.objectContaining({ role: "agent", id: "r1", text: "echo: heard after the restart" }),
    ]);
  });

  test("a recording whose id another message already has is refused and not kept", async () => {
    const h = home();
    const port = await freePort();
    const t = hears();
    await gateway(h, port, t);
    const c = await open(port, "clash1");
    c.send({ type: "message", id: "x1", text: "typed first" });
    await c.waitFor((f) => f.type === "message" && f.replyTo === "x1");
    c.send(voiceFrame("x1"));
    expect((await c.waitFor((f) => f.type === "error" && f.id === "x1")).message).toContain("already used");
    expect(recordings(h)).toEqual([]);
    expect(t.calls).toHaveLength(0);
  });

  test("a running adapter sweeps recordings whose reply never went out, on its clock, not only at start", async () => {
    const state = mkdtempSync(join(tmpdir(), "bosun-webchat-sweep-"));
    const port = await freePort();
    const clock = new FakeClock(Date.now());
    const log = createConsola({ level: -999 });
    const config = webchatConfigSchema.parse({ kind: "webchat", listen: `127.0.0.1:${port}` });
    const adapter = createWebchatAdapter({ name: "web", config, log, clock, stateFile: join(state, "web.json") });
    const stop = new AbortController();
    try {
      await adapter.start(stop.signal);
      const c = await open(port, "old1");
      // Nobody takes the message from the adapter's queue: its reply never comes.
      c.send(voiceFrame("o1"));
      const dir = join(state, "web.voice");
      await waitUntil(() => existsSync(dir) && readdirSync(dir).length === 1, "the recording stored");
      await clock.advance(VOICE_SWEEP_MS);
      expect(readdirSync(dir)).toHaveLength(1);
      await clock.advance(VOICE_KEEP_MS);
      expect(readdirSync(dir)).toHaveLength(0);
    } finally {
      stop.abort();
      await adapter.shutdown();
    }
    // Stopped: no sweep left scheduled.
    expect(clock.pending).toBe(0);
  });
});
