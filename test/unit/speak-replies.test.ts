// Spoken replies in the turn runtime and its outbox: which replies are spoken ([voice]
// speak_replies), the voice note after the text, once, in the session's order, and every failure of
// the voice note leaving the text delivered once.
import { describe, expect, test } from "bun:test";
import { createConsola, type LogObject } from "consola";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { formatWithOptions } from "node:util";
import { AdapterManager } from "../../src/core/adapters/manager.ts";
import { CLI_ADAPTER, CliChannel, withCliChannel } from "../../src/core/chat/cli-channel.ts";
import { openDatabase } from "../../src/core/db.ts";
import { EventBus } from "../../src/core/events.ts";
import type { OutboundMessage, TurnProgress } from "../../src/core/messages.ts";
import type { Channels } from "../../src/core/sessions/outbox.ts";
import { DEFAULT_VOICE_SETTINGS, type SpeakReplies } from "../../src/core/sessions/voice-turn.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { VoiceError, type AudioInput, type SpeakReply, type Transcriber, type VoiceNote } from "../../src/core/voice/types.ts";
import { FakeKind, registerFakeKind } from "../helpers/fake-adapter.ts";
import { startRuntime } from "../helpers/runtime.ts";
import { waitUntil } from "../helpers/wait.ts";

const useFake = registerFakeKind();

/** Channels recording texts and voice notes in the order they went out. */
class SpeakingChannels implements Channels {
  out: string[] = [];
  texts: OutboundMessage[] = [];
  notes: Array<{ message: OutboundMessage; note: VoiceNote }> = [];
  connected = true;
  /** "hang": a send that never returns (and ignores its signal), like an upload stuck on a dead network. */
  voice: "sent" | "unsupported" | "hang" | Error = "sent";
  voiceSignals: Array<AbortSignal | undefined> = [];
  async send(_a: string, m: OutboundMessage): Promise<"sent" | "not_connected"> {
    if (!this.connected) return "not_connected";
    this.texts.push(m);
    this.out.push(`text:${m.text}`);
    return "sent";
  }
  progress(_a: string, _p: TurnProgress): void {}
  answersDuplicates(): boolean {
    return false;
  }
  async fetchAudio(_a: string, ref: string): Promise<AudioInput | "not_connected"> {
    if (!this.connected) return "not_connected";
    return { bytes: new TextEncoder().encode(ref) };
  }
  async sendVoice(_a: string, message: OutboundMessage, note: VoiceNote, signal?: AbortSignal): Promise<"sent" | "not_connected" | "unsupported"> {
    if (!this.connected) return "not_connected";
    this.voiceSignals.push(signal);
    if (this.voice === "hang") return new Promise(() => {});
    if (this.voice instanceof Error) throw this.voice;
    if (this.voice === "unsupported") return "unsupported";
    this.notes.push({ message, note });
    this.out.push(`voice:${new TextDecoder().decode(note.bytes)}`);
    return "sent";
  }
}

/** A SpeakReply whose note's bytes are the text it spoke (so the order is readable), recording calls. */
function speaker(make: (text: string, signal: AbortSignal) => Promise<VoiceNote> | VoiceNote = (t) => ({ bytes: new TextEncoder().encode(t), mime: "audio/ogg", durationMs: 1000 })) {
  const calls: string[] = [];
  const speak: SpeakReply = async (text, signal) => {
    calls.push(text);
    return make(text, signal);
  };
  return { speak, calls };
}

/** Hears a voice message as the text of its ref ("file-<id>" -> "heard <id>"). */
const transcriber: Transcriber = {
  async transcribe(audio) {
    return { text: `heard ${new TextDecoder().decode(audio.bytes).replace("file-", "")}`, language: null, segments: [], audioMs: 1, model: "whisper:t" };
  },
};

const voiceMsg = (id: string) => ({ message: { id, conversation: "c", user: "u", text: "", voice: { ref: `file-${id}`, durationS: 1 } } });
const textMsg = (id: string, text: string) => ({ message: { id, conversation: "c", user: "u", text } });
const settings = (speakReplies: SpeakReplies, speakTimeoutMs = 5_000) => ({ ...DEFAULT_VOICE_SETTINGS, speakReplies, speakTimeoutMs });

function logger() {
  const lines: Array<{ type: string; text: string }> = [];
  const log = createConsola({ level: 5, reporters: [{ log: (o: LogObject) => void lines.push({ type: o.type, text: formatWithOptions({ breakLength: Infinity }, ...(o.args as unknown[])) }) }] });
  return { log, lines };
}

describe("which replies are spoken ([voice] speak_replies)", () => {
  test('"voice-in": the answer to a heard voice note is spoken after its text; a typed message, a command and a failure are not', async () => {
    const channels = new SpeakingChannels();
    const s = speaker();
    const { runtime } = await startRuntime({ channels, clock: systemClock, transcriber, speakReply: s.speak, voice: settings("voice-in") });
    await runtime.inbound("a", voiceMsg("1"));
    await runtime.inbound("a", textMsg("2", "typed"));
    await runtime.inbound("a", textMsg("3", "/help"));
    await waitUntil(() => channels.texts.length === 3, "three replies");
    await runtime.idle();
    await runtime.stop(1_000);
    expect(channels.out).toEqual(["text:echo: heard 1", "voice:echo: heard 1", "text:echo: typed", expect.stringMatching(/^text:Commands:/)]);
    expect(s.calls).toEqual(["echo: heard 1"]);
    // The text handed to send already says a voice note follows.
    expect(channels.texts[0]!.speak).toBe(true);
    expect(channels.texts[1]!.speak).toBeUndefined();
  });

  test('"voice-in": a voice note that could not be heard gets its failure reply as text only', async () => {
    const channels = new SpeakingChannels();
    const s = speaker();
    const { runtime } = await startRuntime({ channels, clock: systemClock, speakReply: s.speak, voice: settings("voice-in") });
    await runtime.inbound("a", voiceMsg("1"));
    await waitUntil(() => channels.texts.length === 1, "the failure reply");
    await runtime.stop(1_000);
    expect(channels.texts[0]!.text).toStartWith("I couldn't understand the voice message");
    expect(s.calls).toEqual([]);
    expect(channels.notes).toHaveLength(0);
  });

  test('"always" speaks typed answers too (not commands); "never" speaks not even a heard voice note', async () => {
    const always = new SpeakingChannels();
    const a = speaker();
    const r1 = await startRuntime({ channels: always, clock: systemClock, transcriber, speakReply: a.speak, voice: settings("always") });
    await r1.runtime.inbound("a", textMsg("1", "typed"));
    await r1.runtime.inbound("a", textMsg("2", "/status"));
    await waitUntil(() => always.texts.length === 2, "two replies");
    await r1.runtime.stop(1_000);
    expect(a.calls).toEqual(["echo: typed"]);
    expect(always.out).toEqual(["text:echo: typed", "voice:echo: typed", "text:all good"]);

    const never = new SpeakingChannels();
    const n = speaker();
    const r2 = await startRuntime({ channels: never, clock: systemClock, transcriber, speakReply: n.speak, voice: settings("never") });
    await r2.runtime.inbound("a", voiceMsg("1"));
    await waitUntil(() => never.texts.length === 1, "the reply");
    await r2.runtime.stop(1_000);
    expect(never.texts[0]!.text).toBe("echo: heard 1");
    expect(n.calls).toEqual([]);
  });

  test("a reload applies: the runtime reads speak_replies from its settings at the end of each turn", async () => {
    const channels = new SpeakingChannels();
    const s = speaker();
    const { runtime } = await startRuntime({ channels, clock: systemClock, speakReply: s.speak, voice: settings("never") });
    await runtime.inbound("a", textMsg("1", "one"));
    await waitUntil(() => channels.texts.length === 1, "the first reply");
    runtime.configure({ maxWaiting: 20, outbox: { retryMs: 1000, maxAttempts: 10, maxAgeMs: 86_400_000 }, voice: settings("always") });
    await runtime.inbound("a", textMsg("2", "two"));
    await waitUntil(() => channels.notes.length === 1, "the voice note of the second");
    await runtime.stop(1_000);
    expect(s.calls).toEqual(["echo: two"]);
  });

  test("the decision is stored with the reply: one stored before a restart, undelivered, is still spoken after it", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "bosun-speak-")), "bosun.db");
    const first = new SpeakingChannels();
    first.connected = false;
    const r1 = await startRuntime({ channels: first, clock: systemClock, transcriber, speakReply: speaker().speak, voice: settings("always"), db });
    await r1.runtime.inbound("a", textMsg("1", "kept"));
    await r1.runtime.idle();
    const pending = await r1.store.pendingOutbox("a");
    expect(pending.map((p) => [p.text, p.speak])).toEqual([["echo: kept", true]]);
    await r1.runtime.stop(200);
    await r1.close();

    const second = new SpeakingChannels();
    const s = speaker();
    // The restart's config says "never": the stored decision, not today's setting, holds for a stored reply.
    const r2 = await startRuntime({ channels: second, clock: systemClock, transcriber, speakReply: s.speak, voice: settings("never"), db });
    r2.runtime.connected("a");
    await waitUntil(() => second.notes.length === 1, "the voice note after the restart");
    await r2.runtime.stop(1_000);
    await r2.close();
    expect(second.out).toEqual(["text:echo: kept", "voice:echo: kept"]);
  });
});

describe("the outbox speaks a reply after its text, once, best effort", () => {
  test("texts and voice notes of two replies go out in order: the second text waits for the first voice note", async () => {
    const channels = new SpeakingChannels();
    let release: (() => void) | null = null;
    const s = speaker((t) =>
      t === "echo: heard 1"
        ? new Promise<VoiceNote>((resolve) => (release = () => resolve({ bytes: new TextEncoder().encode(t), mime: "audio/ogg", durationMs: 1000 })))
        : { bytes: new TextEncoder().encode(t), mime: "audio/ogg", durationMs: 1000 },
    );
    const { runtime } = await startRuntime({ channels, clock: systemClock, transcriber, speakReply: s.speak, voice: settings("voice-in") });
    await runtime.inbound("a", voiceMsg("1"));
    await runtime.inbound("a", voiceMsg("2"));
    await waitUntil(() => release !== null, "the first voice note being made");
    await runtime.idle();
    // Both turns are done, yet the second text waits behind the first voice note.
    expect(channels.out).toEqual(["text:echo: heard 1"]);
    release!();
    await waitUntil(() => channels.out.length === 4, "both texts and both voice notes");
    await runtime.stop(1_000);
    expect(channels.out).toEqual(["text:echo: heard 1", "voice:echo: heard 1", "text:echo: heard 2", "voice:echo: heard 2"]);
  });

  test("a failing voice note (synthesis, send, unsupported channel) leaves the text sent once and the lane moving", async () => {
    const { log, lines } = logger();
    const channels = new SpeakingChannels();
    const s = speaker((t) => {
      if (t === "echo: one") throw new VoiceError("voice_failed", "piper crashed");
      return { bytes: new TextEncoder().encode(t), mime: "audio/ogg", durationMs: 1000 };
    });
    const { runtime, store } = await startRuntime({ channels, clock: systemClock, speakReply: s.speak, voice: settings("always"), log });
    await runtime.inbound("a", textMsg("1", "one"));
    await waitUntil(() => s.calls.length === 1, "the first synthesis");
    channels.voice = new Error("sendVoice exploded");
    await runtime.inbound("a", textMsg("2", "two"));
    await waitUntil(() => s.calls.length === 2, "the second synthesis");
    await waitUntil(() => lines.some((l) => l.text.includes("sendVoice exploded")), "the send failure logged");
    channels.voice = "unsupported";
    await runtime.inbound("a", textMsg("3", "three"));
    await waitUntil(() => s.calls.length === 3, "the third synthesis");
    channels.voice = "sent";
    await runtime.inbound("a", textMsg("4", "four"));
    await waitUntil(() => channels.notes.length === 1, "the fourth voice note");
    await runtime.stop(1_000);
    // Every text once, in order; no text sent again for a voice note that failed.
    expect(channels.out).toEqual(["text:echo: one", "text:echo: two", "text:echo: three", "text:echo: four", "voice:echo: four"]);
    expect(await store.pendingOutbox()).toEqual([]);
    expect((await store.counts()).outbox).toEqual({ pending: 0, dead: 0 });
    const warns = lines.filter((l) => l.type === "warn").map((l) => l.text);
    expect(warns).toHaveLength(2);
    expect(warns[0]).toContain("piper crashed");
    expect(warns[1]).toContain("sendVoice exploded");
  });

  test("no Piper voice installed: one info line, not a warning per reply; the texts go out", async () => {
    const { log, lines } = logger();
    const channels = new SpeakingChannels();
    const s = speaker(() => {
      throw new VoiceError("voice_no_model", "no Piper voice is installed", "install one with `bosun install piper:en_US-lessac-medium`");
    });
    const { runtime } = await startRuntime({ channels, clock: systemClock, speakReply: s.speak, voice: settings("always"), log });
    for (const i of [1, 2, 3]) await runtime.inbound("a", textMsg(String(i), `m${i}`));
    await waitUntil(() => s.calls.length === 3 && channels.texts.length === 3, "three replies tried");
    await runtime.stop(1_000);
    const said = lines.filter((l) => l.text.includes("no Piper voice is installed"));
    expect(said.filter((l) => l.type === "info")).toHaveLength(1);
    expect(said.filter((l) => l.type === "warn")).toHaveLength(0);
    expect(said[0]!.text).toContain("bosun install piper:");
    expect(channels.texts.map((t) => t.text)).toEqual(["echo: m1", "echo: m2", "echo: m3"]);
  });

  test("a voice note not made within the timeout is given up on; the next reply still goes", async () => {
    const { log, lines } = logger();
    const channels = new SpeakingChannels();
    let seen: AbortSignal | null = null;
    const s = speaker((t, signal) => {
      if (t !== "echo: slow") return { bytes: new TextEncoder().encode(t), mime: "audio/ogg", durationMs: 1000 };
      seen = signal;
      return new Promise<VoiceNote>(() => {});
    });
    const { runtime } = await startRuntime({ channels, clock: systemClock, speakReply: s.speak, voice: settings("always", 100), log });
    await runtime.inbound("a", textMsg("1", "slow"));
    await runtime.inbound("a", textMsg("2", "fast"));
    await waitUntil(() => channels.notes.length === 1, "the second voice note");
    await runtime.stop(1_000);
    expect(channels.out).toEqual(["text:echo: slow", "text:echo: fast", "voice:echo: fast"]);
    expect(seen!.aborted).toBe(true);
    expect(lines.some((l) => l.type === "warn" && l.text.includes("not made within"))).toBe(true);
  });

  test("a voice note whose send never returns is given up on at the deadline; the next reply's text goes", async () => {
    const { log, lines } = logger();
    const channels = new SpeakingChannels();
    channels.voice = "hang";
    const s = speaker();
    const { runtime } = await startRuntime({ channels, clock: systemClock, speakReply: s.speak, voice: settings("always", 150), log });
    await runtime.inbound("a", textMsg("1", "one"));
    await waitUntil(() => channels.voiceSignals.length === 1, "the first voice note being sent");
    channels.voice = "sent";
    await runtime.inbound("a", textMsg("2", "two"));
    await waitUntil(() => channels.notes.length === 1, "the second reply and its voice note", 3_000);
    await runtime.stop(1_000);
    expect(channels.out).toEqual(["text:echo: one", "text:echo: two", "voice:echo: two"]);
    // The send was told to give up too (Telegram cuts its upload), not only left behind.
    expect(channels.voiceSignals[0]?.aborted).toBe(true);
    expect(lines.some((l) => l.type === "warn" && l.text.includes("was not sent within"))).toBe(true);
  });

  test("a stop while a voice note is being made does not wait for it: the synthesis is aborted, the text stays sent", async () => {
    const channels = new SpeakingChannels();
    let seen: AbortSignal | null = null;
    // A synthesis that never ends and ignores its signal: the stop must not hang on it either.
    const s = speaker((_t, signal) => {
      seen = signal;
      return new Promise<VoiceNote>(() => {});
    });
    const { runtime, store } = await startRuntime({ channels, clock: systemClock, speakReply: s.speak, voice: settings("always", 60_000) });
    await runtime.inbound("a", textMsg("1", "hello"));
    await waitUntil(() => seen !== null, "the synthesis running");
    const t0 = Date.now();
    await runtime.stop(10_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(seen!.aborted).toBe(true);
    expect(channels.out).toEqual(["text:echo: hello"]);
    expect(await store.pendingOutbox()).toEqual([]);
  });
});

describe("a voice message waiting for its channel keeps its place", () => {
  test("messages after it in its session are answered after it, once the channel connects", async () => {
    const channels = new SpeakingChannels();
    channels.connected = false;
    const { runtime } = await startRuntime({ channels, clock: systemClock, transcriber, voice: settings("never") });
    await runtime.inbound("a", voiceMsg("1"));
    await runtime.inbound("a", textMsg("2", "typed after"));
    // The voice turn waits in its place; the text message waits behind it.
    await waitUntil(() => runtime.turnState("a:c") === "running", "the voice turn waiting");
    channels.connected = true;
    runtime.connected("a");
    await waitUntil(() => channels.texts.length === 2, "both replies");
    await runtime.stop(1_000);
    expect(channels.texts.map((t) => t.text)).toEqual(["echo: heard 1", "echo: typed after"]);
  });

  test("a stop while it waits returns at once and records nothing: the next start answers it", async () => {
    const channels = new SpeakingChannels();
    channels.connected = false;
    const db = join(mkdtempSync(join(tmpdir(), "bosun-speak-")), "bosun.db");
    const r1 = await startRuntime({ channels, clock: systemClock, transcriber, voice: settings("never"), db });
    await r1.runtime.inbound("a", voiceMsg("1"));
    await waitUntil(() => r1.runtime.turnState("a:c") === "running", "the voice turn waiting");
    const t0 = Date.now();
    await r1.runtime.stop(10_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await r1.store.pendingInbound("a")).toHaveLength(1);
    await r1.close();
  });
});

describe("the outbox's speak column", () => {
  test("a database from before it gets the column; its pending rows are kept and are not spoken", () => {
    const path = join(mkdtempSync(join(tmpdir(), "bosun-speak-")), "bosun.db");
    const db = openDatabase(path);
    const version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
    db.close();
    // The schema as the release before this step left it: no speak column, one step fewer.
    const old = new DatabaseSync(path);
    old.exec("ALTER TABLE outbox DROP COLUMN speak");
    old.exec(`INSERT INTO outbox (session_id, adapter, conversation, reply_to, text, state, next_attempt_at, created_at) VALUES ('s', 'a', 'c', '1', 'old reply', 'pending', 0, 0)`);
    old.exec(`PRAGMA user_version = ${version - 1}`);
    old.close();
    const again = openDatabase(path);
    const cols = (again.prepare("PRAGMA table_info(outbox)").all() as Array<{ name: string }>).map((c) => c.name);
    expect(cols).toContain("speak");
    expect(again.prepare("SELECT text, speak FROM outbox").all()).toEqual([{ text: "old reply", speak: null }]);
    expect((again.prepare("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(version);
    again.close();
  });
});

describe("the spoken reply", () => {
  test("with echo_transcript, the text starts with what was heard but the voice note speaks only the answer", async () => {
    const channels = new SpeakingChannels();
    const s = speaker();
    const { runtime } = await startRuntime({ channels, clock: systemClock, transcriber, speakReply: s.speak, voice: { ...settings("voice-in"), echoTranscript: true } });
    await runtime.inbound("a", voiceMsg("1"));
    await waitUntil(() => channels.notes.length === 1, "the voice note");
    await runtime.stop(1_000);
    expect(channels.texts[0]!.text).toBe("🎤 heard 1\n\necho: heard 1");
    expect(s.calls).toEqual(["echo: heard 1"]);
  });

  test("no voice note is made for a channel that cannot send one: an adapter without sendVoice, the cli channel", async () => {
    const kind = new FakeKind();
    useFake(async () => kind.factory);
    const manager = new AdapterManager({ bus: new EventBus(), log: createConsola({ level: -999 }), clock: systemClock, stateDir: mkdtempSync(join(tmpdir(), "bosun-speak-")), firstStartTimeoutMs: 2_000 });
    const cli = new CliChannel();
    const heard: OutboundMessage[] = [];
    cli.attach("c", { progress: () => undefined, reply: (m) => void heard.push(m) });
    const channels = Object.assign(withCliChannel(cli, manager), { attach: manager.attach.bind(manager) });
    const s = speaker();
    const { runtime } = await startRuntime({ channels, clock: systemClock, speakReply: s.speak, voice: settings("always") });
    await manager.reconcile({ f: { kind: "fake", backoff_initial_ms: 10, backoff_max_ms: 100, healthy_after_ms: 1000, failed_after: 10, stale_after_ms: 300_000, stop_timeout_ms: 1000 } });
    await waitUntil(() => kind.of("f").some((c) => c.started), "the fake adapter connected");
    kind.of("f")[0]!.message("1", "typed");
    await runtime.inbound(CLI_ADAPTER, textMsg("2", "in a terminal"));
    await waitUntil(() => kind.of("f")[0]!.sent.length === 1 && heard.length === 1, "both replies");
    await runtime.idle();
    await runtime.stop(1_000);
    await manager.stopAll();
    expect(kind.of("f")[0]!.sent[0]!.text).toBe("echo: typed");
    expect(heard[0]!.text).toBe("echo: in a terminal");
    expect(s.calls).toEqual([]);
    // Nor does the text say a voice note follows.
    expect(kind.of("f")[0]!.sent[0]!.speak).toBeUndefined();
    expect(heard[0]!.speak).toBeUndefined();
  });
});
