import { describe, expect, test } from "bun:test";
import type { OutboundMessage, TurnProgress } from "../../src/core/messages.ts";
import type { Channels } from "../../src/core/sessions/outbox.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import type { AudioInput, Transcriber } from "../../src/core/voice/types.ts";
import { startRuntime } from "../helpers/runtime.ts";
import { waitUntil } from "../helpers/wait.ts";

/** Channels whose adapter "a" serves one voice file (and counts fetches). */
class VoiceChannels implements Channels {
  sent: OutboundMessage[] = [];
  fetches = 0;
  connected = true;
  async send(_a: string, m: OutboundMessage): Promise<"sent"> {
    this.sent.push(m);
    return "sent";
  }
  progress(_a: string, _p: TurnProgress): void {}
  answersDuplicates(): boolean {
    return false;
  }
  async fetchAudio(_a: string, ref: string): Promise<AudioInput | "not_connected"> {
    if (!this.connected) return "not_connected";
    this.fetches++;
    return { bytes: new TextEncoder().encode(ref) };
  }
}

const voiceMsg = (id: string, durationS = 2) => ({ message: { id, conversation: "c", user: "u", text: "", voice: { ref: `file-${id}`, durationS } } });

describe("voice messages in the turn runtime", () => {
  test("without a Transcriber the reply says voice is unavailable; a text message is answered as before", async () => {
    const channels = new VoiceChannels();
    const { runtime } = await startRuntime({ channels, clock: systemClock });
    await runtime.inbound("a", voiceMsg("1"));
    await runtime.inbound("a", { message: { id: "2", conversation: "c", user: "u", text: "typed" } });
    await waitUntil(() => channels.sent.length === 2, "two replies", 5_000);
    expect(channels.sent[0]!.text).toBe("I couldn't understand the voice message: this build has no speech to text yet");
    expect(channels.sent[0]!.error).toEqual({ type: "voice", retryable: false });
    expect(channels.sent[1]!.text).toBe("echo: typed");
    expect(channels.fetches).toBe(0);
  });

  test("order per session holds while transcribing, and a cancel stops the transcription with a 'Cancelled.' reply", async () => {
    const channels = new VoiceChannels();
    let release: (() => void) | null = null;
    let aborted = 0;
    const transcriber: Transcriber = {
      transcribe: (audio, signal) =>
        new Promise((resolve, reject) => {
          const ref = new TextDecoder().decode(audio.bytes);
          signal.addEventListener("abort", () => (aborted++, reject(new Error("aborted"))), { once: true });
          release = () => resolve({ text: `heard ${ref}`, language: null, segments: [], audioMs: 1, model: "whisper:t" });
        }),
    };
    const { runtime } = await startRuntime({ channels, clock: systemClock, transcriber });
    await runtime.inbound("a", voiceMsg("1"));
    await runtime.inbound("a", { message: { id: "2", conversation: "c", user: "u", text: "after" } });
    await waitUntil(() => release !== null, "the transcription running", 5_000);
    // The text message waits behind the voice note's turn.
    expect(runtime.turnState("a:c")).toBe("running");
    expect(channels.sent).toHaveLength(0);
    release!();
    await waitUntil(() => channels.sent.length === 2, "both replies", 5_000);
    expect(channels.sent.map((m) => m.text)).toEqual(["echo: heard file-1", "echo: after"]);

    release = null;
    await runtime.inbound("a", voiceMsg("3"));
    await waitUntil(() => release !== null, "the next transcription running", 5_000);
    expect(runtime.cancel("a:c")).toBe(true);
    await waitUntil(() => channels.sent.length === 3, "the cancelled reply", 5_000);
    expect(aborted).toBe(1);
    expect(channels.sent[2]!.text).toBe("Cancelled.");
  });

  test("a voice message whose channel is not connected waits (nothing recorded) and is answered once it connects", async () => {
    const channels = new VoiceChannels();
    channels.connected = false;
    const transcriber: Transcriber = { transcribe: async () => ({ text: "later words", language: null, segments: [], audioMs: 1, model: "whisper:t" }) };
    const { runtime, store } = await startRuntime({ channels, clock: systemClock, transcriber });
    await runtime.inbound("a", voiceMsg("1"));
    // It waits in its session's place (a turn running) until the channel connects.
    await waitUntil(() => runtime.turnState("a:c") === "running", "the voice turn waiting", 5_000);
    expect(channels.sent).toHaveLength(0);
    expect(await store.pendingInbound("a")).toHaveLength(1);
    channels.connected = true;
    runtime.connected("a");
    await waitUntil(() => channels.sent.length === 1, "the reply after connecting", 5_000);
    expect(channels.sent[0]!.text).toBe("echo: later words");
  });
});
