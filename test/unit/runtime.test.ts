import { RetryLaterError } from "../../src/core/messages.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UndeliverableError, type OutboundMessage, type TurnProgress } from "../../src/core/messages.ts";
import { defineProvider } from "../../src/core/providers/collect.ts";
import { ProviderError, type ChatMessage, type Provider } from "../../src/core/providers/types.ts";
import type { Channels } from "../../src/core/sessions/outbox.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { FakeClock, settle } from "../helpers/fake-clock.ts";
import { startRuntime, type RuntimeParts } from "../helpers/runtime.ts";
import { waitUntil } from "../helpers/wait.ts";

/** The channel side as the runtime sees it, recording what it was handed. */
class RecordingChannels implements Channels {
  connected = true;
  failWith: string | Error | null = null;
  duplicates = false;
  sent: Array<OutboundMessage & { adapter: string }> = [];
  progressed: TurnProgress[] = [];
  attempts = 0;
  async send(adapter: string, m: OutboundMessage): Promise<"sent" | "not_connected"> {
    if (!this.connected) return "not_connected";
    this.attempts++;
    if (this.failWith) throw typeof this.failWith === "string" ? new Error(this.failWith) : this.failWith;
    this.sent.push({ adapter, ...m });
    return "sent";
  }
  progress(_a: string, p: TurnProgress): void {
    this.progressed.push(p);
  }
  answersDuplicates(): boolean {
    return this.duplicates;
  }
}

/** A provider that records every prompt and answers `answer(prompt)` (or throws what it returns as an Error). */
function recordingProvider(answer: (messages: ChatMessage[], n: number) => string | Error | Promise<string | Error>) {
  const prompts: ChatMessage[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const provider: Provider = defineProvider({
    name: "test",
    label: "test",
    model: "test-model",
    async *stream(req) {
      prompts.push(req.messages);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const a = await answer(req.messages, prompts.length);
        if (a instanceof Error) throw a;
        for (const word of a.split(/(?<= )/)) yield { type: "text", text: word };
        yield { type: "usage", usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12 } };
        yield { type: "finish", reason: "stop" };
      } finally {
        inFlight--;
      }
    },
  });
  return { provider, prompts, maxInFlight: () => maxInFlight };
}

const dirs: string[] = [];
function dbFile(): string {
  const d = mkdtempSync(join(tmpdir(), "bosun-runtime-"));
  dirs.push(d);
  return join(d, "bosun.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const msg = (id: string, text: string, conversation = "c1") => ({ message: { id, conversation, user: "u", text } });
const texts = (ch: RecordingChannels) => ch.sent.map((s) => s.text);

describe("turn runtime", () => {
  test("answers in order per session; the prompt carries the stored history; /reset drops it from the prompt only", async () => {
    const channels = new RecordingChannels();
    const p = recordingProvider((m) => `re ${m.at(-1)!.content}`);
    const { runtime, store } = await startRuntime({ channels, clock: systemClock, provider: p.provider });
    for (const [i, t] of ["one", "two", "three"].entries()) await runtime.inbound("a", msg(`m${i}`, t));
    await waitUntil(() => channels.sent.length === 3, "three replies");
    expect(texts(channels)).toEqual(["re one", "re two", "re three"]);
    expect(channels.sent.map((s) => s.replyTo)).toEqual(["m0", "m1", "m2"]);
    expect(p.prompts[2]!.map((m) => m.content)).toEqual(["one", "re one", "two", "re two", "three"]);
    await runtime.inbound("a", msg("m3", "/reset"));
    await runtime.inbound("a", msg("m4", "four"));
    await waitUntil(() => channels.sent.length === 5, () => `five replies: ${JSON.stringify(texts(channels))}`);
    expect(channels.sent[3]!.text).toContain("fresh");
    expect(p.prompts.at(-1)!.map((m) => m.content)).toEqual(["four"]);
    const s = await store.session("a:c1");
    expect(s!.messages.map((m) => m.content)).toEqual(["one", "re one", "two", "re two", "three", "re three", "/reset", "Started a fresh conversation.", "four", "re four"]);
    expect(s!.messages.filter((m) => m.role === "assistant" && m.content.startsWith("re")).map((m) => m.model)).toEqual(["test-model", "test-model", "test-model", "test-model"]);
    expect(s!.tokensIn).toBe(40);
    expect(s!.tokensOut).toBe(8);
    expect(s!.state).toBe("idle");
  });

  test("history survives a restart: a new runtime over the same file puts the earlier turns in the prompt", async () => {
    const db = dbFile();
    const first = new RecordingChannels();
    const p1 = recordingProvider((m) => `re ${m.at(-1)!.content}`);
    const a = await startRuntime({ channels: first, clock: systemClock, provider: p1.provider, db });
    await a.runtime.inbound("a", msg("m1", "my name is Ada"));
    await waitUntil(() => first.sent.length === 1, "first reply");
    await a.runtime.stop(1000);
    const second = new RecordingChannels();
    const p2 = recordingProvider(() => "ok");
    const b = await startRuntime({ channels: second, clock: systemClock, provider: p2.provider, db });
    await b.runtime.inbound("a", msg("m2", "what is my name?"));
    await waitUntil(() => second.sent.length === 1, "second reply");
    expect(p2.prompts[0]!.map((m) => m.content)).toEqual(["my name is Ada", "re my name is Ada", "what is my name?"]);
  });

  test("the history in a prompt keeps to the token budget, newest first; the store keeps everything", async () => {
    const channels = new RecordingChannels();
    const p = recordingProvider(() => "x".repeat(400));
    const { runtime, store } = await startRuntime({ channels, clock: systemClock, provider: p.provider, contextTokens: 400 });
    for (let i = 0; i < 6; i++) await runtime.inbound("a", msg(`m${i}`, `question ${i} ${"y".repeat(200)}`));
    await waitUntil(() => channels.sent.length === 6, "six replies");
    const last = p.prompts.at(-1)!;
    // Each exchange is ~160 estimated tokens: two fit in 400, so the prompt has 2 exchanges + the question.
    expect(last.length).toBe(5);
    expect(String(last[0]!.content)).toStartWith("question 3");
    expect((await store.session("a:c1"))!.messages).toHaveLength(12);
  });

  test("stored messages without a reply are answered at start, once; replies not delivered go out on connect", async () => {
    const db = dbFile();
    const gate = Promise.withResolvers<void>();
    const slow = recordingProvider(async () => {
      await gate.promise;
      return "late";
    });
    const channels = new RecordingChannels();
    const a = await startRuntime({ channels, clock: systemClock, provider: slow.provider, db });
    for (let i = 0; i < 5; i++) await a.runtime.inbound("a", msg(`m${i}`, `q${i}`, `c${i % 2}`));
    await waitUntil(() => slow.prompts.length === 2, "two turns running (one per session)");
    await a.runtime.stop(50); // the "crash": no reply was recorded for any of the five
    gate.resolve();
    const after = new RecordingChannels();
    after.connected = false;
    const p = recordingProvider((m) => `re ${m.at(-1)!.content}`);
    const b = await startRuntime({ channels: after, clock: systemClock, provider: p.provider, db });
    await b.runtime.idle();
    expect(p.prompts.map((m) => m.at(-1)!.content).sort()).toEqual(["q0", "q1", "q2", "q3", "q4"]);
    expect(after.sent).toEqual([]);
    expect((await b.store.counts()).outbox.pending).toBe(5);
    // A redelivery of one of them (the platform did not see the ack) runs no second turn.
    await b.runtime.inbound("a", msg("m2", "q2", "c0"));
    after.connected = true;
    b.runtime.connected("a");
    await waitUntil(() => after.sent.length === 5, "five deliveries");
    expect(p.prompts).toHaveLength(5);
    const c0 = after.sent.filter((s) => s.conversation === "c0").map((s) => s.text);
    expect(c0).toEqual(["re q0", "re q2", "re q4"]);
    await waitUntil(async () => (await b.store.counts()).outbox.pending === 0, "outbox empty");
  });

  test("a delivery that fails is retried with backoff and becomes dead after the bound, visible in counts and the session", async () => {
    const clock = new FakeClock();
    const channels = new RecordingChannels();
    channels.failWith = "chat not found";
    const { runtime, store } = await startRuntime({ channels, clock, outbox: { retryMs: 1000, maxAttempts: 3, maxAgeMs: 86_400_000 } });
    await runtime.inbound("a", msg("m1", "hi"));
    await settle();
    expect(channels.attempts).toBe(1);
    await clock.advance(999);
    expect(channels.attempts).toBe(1);
    await clock.advance(1);
    expect(channels.attempts).toBe(2);
    await clock.advance(2000);
    expect(channels.attempts).toBe(3);
    await clock.advance(60_000);
    expect(channels.attempts).toBe(3);
    expect(await store.counts()).toMatchObject({ outbox: { pending: 0, dead: 1 } });
    const s = await store.session("a:c1");
    expect(s!.outbox).toHaveLength(1);
    expect(s!.outbox[0]).toMatchObject({ state: "dead", attempts: 3 });
    expect(s!.outbox[0]!.lastError).toContain("chat not found");
  });

  test("a platform's retry-after longer than the backoff is waited out (within the 5-minute cap)", async () => {
    const clock = new FakeClock();
    const channels = new RecordingChannels();
    channels.failWith = new RetryLaterError("rate limited for 90 s", 90_000);
    const { runtime } = await startRuntime({ channels, clock, outbox: { retryMs: 1000, maxAttempts: 5, maxAgeMs: 86_400_000 } });
    await runtime.inbound("a", msg("m1", "hi"));
    await settle();
    expect(channels.attempts).toBe(1);
    await clock.advance(89_000);
    expect(channels.attempts).toBe(1);
    channels.failWith = new RetryLaterError("rate limited for ages", 1e12);
    await clock.advance(1_000);
    expect(channels.attempts).toBe(2);
    await clock.advance(299_000);
    expect(channels.attempts).toBe(2);
    await clock.advance(1_000);
    expect(channels.attempts).toBe(3);
  });

  test("a reply for a channel that never reconnects is given up on at its age bound, also one stored before a restart", async () => {
    const clock = new FakeClock();
    const db = dbFile();
    const channels = new RecordingChannels();
    channels.connected = false;
    const outbox = { retryMs: 1000, maxAttempts: 10, maxAgeMs: 60_000 };
    const a = await startRuntime({ channels, clock, db, outbox });
    await a.runtime.inbound("a", msg("m1", "hi"));
    await waitUntil(async () => (await a.store.counts()).outbox.pending === 1, "the reply stored");
    await a.runtime.stop(0);
    await a.close();
    const b = await startRuntime({ channels, clock, db, outbox });
    await clock.advance(59_000);
    expect(await b.store.counts()).toMatchObject({ outbox: { pending: 1, dead: 0 } });
    await clock.advance(1_001);
    await waitUntil(async () => (await b.store.counts()).outbox.dead === 1, "the reply dead");
    expect(channels.attempts).toBe(0);
    await b.close();
  });

  test("a failed delivery that heals is delivered, and later replies of the session wait behind it", async () => {
    const clock = new FakeClock();
    const channels = new RecordingChannels();
    channels.failWith = "503 from the platform";
    const { runtime } = await startRuntime({ channels, clock, outbox: { retryMs: 1000, maxAttempts: 5, maxAgeMs: 86_400_000 } });
    await runtime.inbound("a", msg("m1", "first"));
    await settle();
    await runtime.inbound("a", msg("m2", "second"));
    await settle();
    expect(channels.attempts).toBe(1);
    channels.failWith = null;
    await clock.advance(1000);
    expect(texts(channels)).toEqual(["echo: first", "echo: second"]);
  });

  test("one turn at a time per session, the global cap across sessions, and the per-session waiting cap reply", async () => {
    const gate = Promise.withResolvers<void>();
    const p = recordingProvider(async (m) => {
      await gate.promise;
      return `re ${m.at(-1)!.content}`;
    });
    const channels = new RecordingChannels();
    const { runtime } = await startRuntime({ channels, clock: systemClock, provider: p.provider, maxConcurrentTurns: 3, maxWaiting: 4 });
    for (let s = 0; s < 6; s++) await runtime.inbound("a", msg(`s${s}`, `hello ${s}`, `conv${s}`));
    for (let i = 0; i < 6; i++) await runtime.inbound("a", msg(`x${i}`, `more ${i}`, "conv0"));
    await waitUntil(() => p.prompts.length === 3, "three provider calls");
    // conv0 has one running + 4 waiting; the 5th and 6th extra messages are past the cap and answered at once.
    await waitUntil(() => channels.sent.length === 2, "the refusals");
    expect(channels.sent.map((s) => s.replyTo)).toEqual(["x4", "x5"]);
    expect(channels.sent[0]!.text).toContain("Too many messages are waiting");
    gate.resolve();
    await runtime.idle();
    await waitUntil(() => channels.sent.length === 12, "every message answered");
    expect(p.maxInFlight()).toBe(3);
    const conv0 = channels.sent.filter((s) => s.conversation === "conv0" && !s.text.startsWith("Too many")).map((s) => s.text);
    expect(conv0).toEqual(["re hello 0", "re more 0", "re more 1", "re more 2", "re more 3"]);
  });

  test("transient reset: after a rate limit the next message of the same session works and still has its history", async () => {
    let mode: "ok" | "429" = "ok";
    const p = recordingProvider((m) =>
      mode === "429" ? new ProviderError("provider answered 429: Rate limit reached", 429, "rate_limit_exceeded", new Headers({ "retry-after-ms": "1" })) : `re ${m.at(-1)!.content}`,
    );
    const channels = new RecordingChannels();
    const { runtime, store } = await startRuntime({ channels, clock: systemClock, provider: p.provider });
    await runtime.inbound("a", msg("m1", "remember 42"));
    await waitUntil(() => channels.sent.length === 1, "first");
    mode = "429";
    await runtime.inbound("a", msg("m2", "again"));
    await waitUntil(() => channels.sent.length === 2, "the rate-limit reply");
    expect(p.prompts).toHaveLength(4); // 1 + the call and its 2 retries
    expect(channels.sent[1]!.error).toEqual({ type: "rate_limited", retryable: true });
    expect((await store.session("a:c1"))!.state).toBe("errored");
    mode = "ok";
    await runtime.inbound("a", msg("m3", "what number?"));
    await waitUntil(() => channels.sent.length === 3, "works again");
    expect(channels.sent[2]!.text).toBe("re what number?");
    expect(p.prompts.at(-1)!.map((m) => m.content)).toEqual(["remember 42", "re remember 42", "what number?"]);
    expect((await store.session("a:c1"))!.state).toBe("idle");
  });

  test("a 429 for insufficient quota is budget_exhausted: not retried, says what to do", async () => {
    const p = recordingProvider(() => new ProviderError("provider answered 429: You exceeded your current quota", 429, "insufficient_quota"));
    const channels = new RecordingChannels();
    const { runtime } = await startRuntime({ channels, clock: systemClock, provider: p.provider });
    await runtime.inbound("a", msg("m1", "hi"));
    await waitUntil(() => channels.sent.length === 1, "reply");
    expect(p.prompts).toHaveLength(1);
    expect(channels.sent[0]!.error).toEqual({ type: "budget_exhausted", retryable: false });
  });

  test("streamed text reaches the channel as progress before the reply", async () => {
    const p = recordingProvider(() => "one two three");
    const channels = new RecordingChannels();
    const { runtime } = await startRuntime({ channels, clock: systemClock, provider: p.provider });
    await runtime.inbound("a", msg("m1", "hi"));
    await waitUntil(() => channels.sent.length === 1, "reply");
    // The last word has no whitespace after it yet: it comes with the reply (see RedactedStream).
    expect(channels.progressed.map((x) => (x.phase === "text" ? x.text : x.phase))).toEqual(["started", "one ", "two ", "ended"]);
    expect(channels.sent[0]!.text).toBe("one two three");
  });

  test("a repeated id: a push channel gets no second reply, a request/response channel the stored one; a different body is a conflict", async () => {
    for (const duplicates of [false, true]) {
      const channels = new RecordingChannels();
      channels.duplicates = duplicates;
      const { runtime }: RuntimeParts = await startRuntime({ channels, clock: systemClock });
      await runtime.inbound("a", msg("m1", "hello"));
      await waitUntil(() => channels.sent.length === 1, "reply");
      await runtime.inbound("a", msg("m1", "hello"));
      await settle();
      expect(texts(channels)).toEqual(duplicates ? ["echo: hello", "echo: hello"] : ["echo: hello"]);
      let rejected = "";
      await runtime.inbound("a", { ...msg("m1", "other"), rejected: (r) => (rejected = r.code) });
      expect(rejected).toBe("id_conflict");
    }
  });

  test("a send the platform refuses for good is given up on at once", async () => {
    const clock = new FakeClock();
    const channels = new RecordingChannels();
    channels.failWith = new UndeliverableError("Bad Request: chat not found");
    const { runtime, store } = await startRuntime({ channels, clock });
    await runtime.inbound("a", msg("m1", "hi"));
    await waitUntil(async () => (await store.counts()).outbox.dead === 1, "dead");
    expect(channels.attempts).toBe(1);
    expect((await store.session("a:c1"))!.outbox[0]!.lastError).toContain("chat not found");
  });

  test("a reply the store cannot mark sent is not sent again (no resend loop)", async () => {
    const clock = new FakeClock();
    const channels = new RecordingChannels();
    const parts = await startRuntime({ channels, clock });
    const realMarkSent = parts.store.markSent.bind(parts.store);
    let failures = 0;
    parts.store.markSent = async (id, at) => {
      if (failures++ < 3) throw new Error("disk I/O error");
      return realMarkSent(id, at);
    };
    await parts.runtime.inbound("a", msg("m1", "hi"));
    await waitUntil(() => channels.sent.length === 1, "sent");
    for (let i = 0; i < 5; i++) await clock.advance(10_000);
    parts.runtime.connected("a"); // a reconnect must not resend it either
    await clock.advance(60_000);
    expect(channels.sent).toHaveLength(1);
    await waitUntil(async () => (await parts.store.counts()).outbox.pending === 0, "recorded as sent at last");
  });

  test("stop lets a running turn finish and deliver; waiting messages are answered at the next start", async () => {
    const db = dbFile();
    const gate = Promise.withResolvers<void>();
    const p = recordingProvider(async (m) => {
      await gate.promise;
      return `re ${m.at(-1)!.content}`;
    });
    const channels = new RecordingChannels();
    const a = await startRuntime({ channels, clock: systemClock, provider: p.provider, db });
    await a.runtime.inbound("a", msg("m1", "first"));
    await a.runtime.inbound("a", msg("m2", "second"));
    await waitUntil(() => p.prompts.length === 1, "the first turn running");
    const stopping = a.runtime.stop(5_000);
    setTimeout(() => gate.resolve(), 50);
    await stopping;
    expect(texts(channels)).toEqual(["re first"]);
    await a.close();
    const b = await startRuntime({ channels, clock: systemClock, provider: p.provider, db });
    await waitUntil(() => channels.sent.length === 2, "the waiting one answered after the restart");
    expect(texts(channels)).toEqual(["re first", "re second"]);
    await b.close();
  });

  test("a message past the cap delivered twice at once gets one reply; the store never keeps two", async () => {
    const gate = Promise.withResolvers<void>();
    const p = recordingProvider(async (m) => {
      await gate.promise;
      return `re ${m.at(-1)!.content}`;
    });
    const channels = new RecordingChannels();
    const { runtime, store } = await startRuntime({ channels, clock: systemClock, provider: p.provider, maxWaiting: 1 });
    await runtime.inbound("a", msg("m1", "a"));
    await runtime.inbound("a", msg("m2", "b"));
    await Promise.all([runtime.inbound("a", msg("m3", "c")), runtime.inbound("a", msg("m3", "c"))]);
    gate.resolve();
    await runtime.idle();
    await waitUntil(() => channels.sent.length === 3, "three replies");
    await new Promise((r) => setTimeout(r, 50));
    expect(channels.sent.filter((s) => s.replyTo === "m3")).toHaveLength(1);
    expect(p.prompts).toHaveLength(2);
    const again = await store.recordTurn({ adapter: "a", inbound: msg("m3", "c").message, receivedAt: 0, reply: { text: "x", error: null }, model: null, usage: null, inContext: false, state: "idle", at: 1 });
    expect(again).toBeNull();
  });

  test("an empty answer becomes a short note, not an empty message", async () => {
    const p = recordingProvider(() => "   ");
    const channels = new RecordingChannels();
    const { runtime } = await startRuntime({ channels, clock: systemClock, provider: p.provider });
    await runtime.inbound("a", msg("m1", "hi"));
    await waitUntil(() => channels.sent.length === 1, "reply");
    expect(channels.sent[0]!.text).toBe("(the model returned an empty answer)");
  });

  test("an answer past max_reply_chars is cut there and says so; the model is stopped", async () => {
    const channels = new RecordingChannels();
    let aborted = false;
    const endless = defineProvider({
      name: "test",
      label: "endless",
      model: "m",
      async *stream(_req, signal) {
        signal.addEventListener("abort", () => (aborted = true));
        for (let i = 0; !signal.aborted; i++) {
          yield { type: "text", text: "word ".repeat(20) };
          if (i % 50 === 0) await new Promise((r) => setTimeout(r, 0));
        }
        throw new Error("aborted");
      },
    });
    const parts = await startRuntime({ channels, clock: systemClock, provider: endless });
    parts.agent.configure({ chain: [{ provider: endless, model: "m", on: new Set() }], contextTokens: 8000, maxConcurrentTurns: 8, maxReplyChars: 1000, maxToolSteps: 10 });
    await parts.runtime.inbound("a", msg("m1", "go"));
    await waitUntil(() => channels.sent.length === 1, "the cut reply");
    expect(aborted).toBe(true);
    expect(channels.sent[0]!.text.length).toBeLessThan(1100);
    expect(channels.sent[0]!.text).toEndWith("[answer cut at 1000 characters]");
    expect(channels.sent[0]!.error).toBeNull();
  });

  test("the transcript a channel shows includes the messages still waiting for their turn", async () => {
    let hold: Promise<void> = Promise.resolve();
    const p = recordingProvider(async (m) => {
      await hold;
      return `re ${m.at(-1)!.content}`;
    });
    const channels = new RecordingChannels();
    const { runtime, store } = await startRuntime({ channels, clock: systemClock, provider: p.provider });
    await runtime.inbound("a", msg("m1", "answered first"));
    await waitUntil(() => channels.sent.length === 1, "first reply");
    const gate = Promise.withResolvers<void>();
    hold = gate.promise;
    await runtime.inbound("a", msg("m2", "still working on this"));
    await waitUntil(() => p.prompts.length === 2, "the second turn running");
    const t = await store.transcript("a:c1", 50);
    expect(t.map((e) => [e.role, e.id, e.text])).toEqual([
      ["user", "m1", "answered first"],
      ["agent", "m1", "re answered first"],
      ["user", "m2", "still working on this"],
    ]);
    gate.resolve();
    await waitUntil(() => channels.sent.length === 2, "second reply");
    expect((await store.transcript("a:c1", 50)).map((e) => e.text)).toEqual(["answered first", "re answered first", "still working on this", "re still working on this"]);
  });
});
