import type { ConsolaInstance } from "consola";
import { errorMessage } from "../errors.ts";
import type { EventBus } from "../events.ts";
import type { InboundDelivery, InboundMessage, TurnResult } from "../messages.ts";
import type { Clock } from "../util/clock.ts";
import type { Agent, Answer } from "./agent.ts";
import type { SpeakReply, Transcriber } from "../voice/types.ts";
import { echoed } from "./echo.ts";
import { DEFAULT_VOICE_SETTINGS, hearVoice, speaks, type VoiceTurnSettings } from "./voice-turn.ts";
import { sessionKey } from "./key.ts";
import { OutboxCourier, type Channels, type OutboxSettings } from "./outbox.ts";
import { SessionQueue } from "./session-queue.ts";
import type { SessionState, SessionStore, StoreCounts } from "./store.ts";

/** Coalesces count refreshes after bursts of changes. */
const COUNTS_REFRESH_MS = 250;

export interface RuntimeOptions {
  store: SessionStore;
  agent: Agent;
  channels: Channels;
  clock: Clock;
  log: ConsolaInstance;
  bus: EventBus;
  /** Messages of one session that may wait behind its running turn. */
  maxWaiting: number;
  outbox: OutboxSettings;
  /** [voice] limits for voice messages (defaults when absent). */
  voice?: VoiceTurnSettings;
  /** Speech to text for voice messages; absent: they are answered "voice_unavailable". */
  transcriber?: Transcriber;
  /** Text to speech for replies the outbox speaks ([voice] speak_replies); absent: replies are text only. */
  speakReply?: SpeakReply;
}

/** What a channel's supervisor hands the runtime: the narrow seam between connections and turns. */
export interface Intake {
  /** A message arrived: store, acknowledge, queue. Resolves true when it is new and will be answered. */
  inbound(adapter: string, delivery: InboundDelivery): Promise<boolean>;
  /** The adapter is connected (first start or reconnect): deliver what waits for it, answer what was never answered. */
  connected(adapter: string): void;
}

/**
 * The turn runtime (semantics §4): the one owner of the path store -> acknowledge -> queue per
 * session -> turn -> store the reply and its delivery row (one transaction) -> deliver -> mark
 * delivered. A message is answered exactly once: its reply is recorded once, in the store, and
 * delivered from the outbox until its channel took it; what a crash left unanswered or
 * undelivered is picked up at start and at every reconnect of its adapter.
 */
export class TurnRuntime implements Intake {
  #o: RuntimeOptions;
  #queue = new SessionQueue();
  /** Messages queued or running here, by adapter, conversation and id: never two turns for one message. */
  #inflight = new Set<string>();
  #running = new Map<string, AbortController>();
  /** Sessions an operator stopped: their messages are stored and wait, no turn runs (see steer). */
  #stoppedSessions = new Set<string>();
  /** Sessions a chosen stop left waiting (last-stop.ts): stored messages wait, no turn runs, until release. */
  #held = new Set<string>();
  /** Set by stop: no turn starts any more. */
  #draining = false;
  /** Aborted when the drain deadline passed: the turns still running are cancelled. */
  #stop = new AbortController();
  #courier: OutboxCourier;
  #counts: StoreCounts | null = null;
  #countsDue = false;
  /** Connections each adapter has made (connected calls): a voice turn that found none knows when to try again. */
  #connections = new Map<string, number>();
  /** Voice turns waiting, in their session's place, for their adapter's next connection. */
  #awaitingConnection = new Map<string, Array<() => void>>();

  constructor(opts: RuntimeOptions) {
    this.#o = opts;
    const speech = opts.speakReply ? { speakReply: opts.speakReply, timeoutMs: () => this.#voice.speakTimeoutMs } : undefined;
    this.#courier = new OutboxCourier(opts.store, opts.channels, opts.clock, opts.log.withTag("outbox"), opts.outbox, () => this.#changed(), speech);
  }

  get #voice(): VoiceTurnSettings {
    return this.#o.voice ?? DEFAULT_VOICE_SETTINGS;
  }

  /** New limits from a config reload. */
  configure(s: { maxWaiting: number; outbox: OutboxSettings; voice?: VoiceTurnSettings }): void {
    this.#o = { ...this.#o, ...s };
    this.#courier.configure(s.outbox);
  }

  /**
   * Recover after a stop or crash: run the turns of every stored message without a reply, oldest
   * first, except in the sessions of `hold` (what a chosen `down` left): those wait for `release`.
   */
  async start(opts: { hold?: Iterable<string> } = {}): Promise<void> {
    for (const key of opts.hold ?? []) this.#held.add(key);
    for (const key of await this.#o.store.stoppedKeys()) this.#stoppedSessions.add(key);
    const pending = await this.#o.store.pendingInbound();
    if (pending.length > 0) this.#o.log.info(`answering ${pending.length} stored message(s) left without a reply`);
    for (const p of pending) this.#schedule(p.adapter, p.message, p.receivedAt);
    // Undelivered replies wait for their adapter's connection, or their age bound if it never comes.
    await this.#courier.reload();
    this.#changed();
  }

  async inbound(adapter: string, d: InboundDelivery): Promise<boolean> {
    const m = d.message;
    const at = this.#o.clock.now();
    let verdict;
    try {
      verdict = await this.#o.store.accept(adapter, m, at);
    } catch (err) {
      // Not stored means not acknowledged: the platform will deliver it again.
      this.#o.log.error(`${adapter}: could not store message ${m.id}: ${errorMessage(err)}`);
      return false;
    }
    if (verdict.kind === "conflict") {
      // Answering would hand this sender the reply to someone else's message; processing it would
      // make one id mean two messages. Neither: the sender learns its id is taken. A channel that
      // cannot be told is still acknowledged, or its platform would redeliver the message forever.
      this.#o.log.warn(`${adapter}: refused message ${m.id} in ${m.conversation}: that id was already used there for a different message`);
      if (d.rejected) d.rejected({ code: "id_conflict", message: `message id "${m.id}" was already used in this conversation for a different message; use a new id` });
      else acknowledge(adapter, d, this.#o.log);
      return false;
    }
    // Synchronous, so what the channel does on acceptance (a webhook request joining the reply's
    // waiters) is in place before any reply to this id is delivered.
    acknowledge(adapter, d, this.#o.log);
    if (verdict.kind === "answered") {
      // Exactly one reply per message: only request/response channels get the stored one again.
      if (this.#o.channels.answersDuplicates(adapter)) {
        const reply = { conversation: m.conversation, thread: m.thread, text: verdict.reply, replyTo: m.id, error: verdict.error };
        void this.#o.channels.send(adapter, reply).catch((err) => this.#o.log.warn(`${adapter}: could not resend the stored reply to ${m.id}: ${errorMessage(err)}`));
      }
      return false;
    }
    if (this.#inflight.has(inflightKey(adapter, m))) return false;
    if (verdict.kind === "new") this.#changed();
    const key = sessionKey(adapter, m.conversation, m.thread);
    // A stopped or held session keeps what arrives, waiting, until it is started (or restored).
    if (this.#paused(key)) return verdict.kind === "new";
    if (verdict.kind === "new" && this.#queue.depth(key) > this.#o.maxWaiting) {
      const ik = inflightKey(adapter, m);
      this.#inflight.add(ik);
      try {
        await this.#refuse(adapter, m, at, key);
      } catch (err) {
        // Left unanswered in the store: the next start or reconnect answers it.
        this.#o.log.error(`${adapter}: could not record the refusal of ${m.id}: ${errorMessage(err)}`);
      } finally {
        this.#inflight.delete(ik);
      }
      return true;
    }
    this.#schedule(adapter, m, at);
    return true;
  }

  connected(adapter: string): void {
    this.#connections.set(adapter, (this.#connections.get(adapter) ?? 0) + 1);
    for (const wake of this.#awaitingConnection.get(adapter)?.splice(0) ?? []) wake();
    void this.#courier.reload(adapter).catch((err) => this.#o.log.error(`${adapter}: could not read its undelivered replies: ${errorMessage(err)}`));
    void this.#o.store.pendingInbound(adapter).then(
      (pending) => {
        for (const p of pending) this.#schedule(p.adapter, p.message, p.receivedAt);
      },
      (err) => this.#o.log.error(`${adapter}: could not read its unanswered messages: ${errorMessage(err)}`),
    );
  }

  /**
   * Steer one session: `reset` starts a fresh context (the history stays stored, out of the
   * prompt, as /reset does); `stop` keeps the bot from answering there (messages are still stored
   * and wait; a turn already running finishes); `start` resumes and answers what waited, in order.
   */
  async steer(key: string, action: "reset" | "stop" | "start"): Promise<boolean> {
    const { store, clock, agent } = this.#o;
    // Only a session the store knows: a key of nothing must not stop a conversation yet to come.
    if (!(await store.session(key, 0))) return false;
    if (action === "reset") {
      await store.resetContext(key);
      agent.forget(key);
    } else if (action === "stop") {
      this.#stoppedSessions.add(key);
      await store.setState(key, "stopped", clock.now());
    } else {
      // An operator's start also ends a hold from the last `bosun down` for this session.
      this.#stoppedSessions.delete(key);
      const queued = await this.release([key]);
      await store.setState(key, queued > 0 ? "active" : "idle", clock.now());
    }
    this.#changed();
    return true;
  }

  /** Whether session `key` has a turn running, or messages queued for one. */
  turnState(key: string): "running" | "queued" | "none" {
    if (this.#running.has(key)) return "running";
    return this.#queue.depth(key) > 0 ? "queued" : "none";
  }

  /** Whether an operator stopped session `key`. */
  isStopped(key: string): boolean {
    return this.#stoppedSessions.has(key);
  }

  /** Answer what waits in held sessions (a restore), oldest first; resolves with how many messages were queued. */
  async release(keys: Iterable<string>): Promise<number> {
    const released = new Set(keys);
    for (const key of released) this.#held.delete(key);
    let queued = 0;
    for (const p of await this.#o.store.pendingInbound()) {
      if (!released.has(sessionKey(p.adapter, p.message.conversation, p.message.thread))) continue;
      if (this.#schedule(p.adapter, p.message, p.receivedAt)) queued++;
    }
    return queued;
  }

  /** The sessions held until a restore. */
  get held(): ReadonlySet<string> {
    return this.#held;
  }

  /** Cancel the turn running in session `key` (its message gets a "cancelled" reply); false when none runs. */
  cancel(key: string): boolean {
    const c = this.#running.get(key);
    if (!c) return false;
    c.abort();
    return true;
  }

  /** The store's counts as last refreshed (null before the first). */
  get counts(): StoreCounts | null {
    return this.#counts;
  }

  /** Sessions with a turn queued or running, turns in flight and replies held for delivery: what memory holds. */
  get load(): { sessions: number; turns: number; deliveries: number } {
    return { sessions: this.#queue.size, turns: this.#inflight.size, deliveries: this.#courier.size };
  }

  /** Resolves when no turn is queued or running. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /**
   * Stop (semantics §4): no turn starts any more; turns already running may finish within
   * `waitMs` (their replies are recorded and delivered while channels are still up); those still
   * running then are cancelled and record nothing, so their messages are answered by the next
   * start, like the ones that were still waiting. A delivery under way finishes and is recorded.
   */
  async stop(waitMs: number): Promise<void> {
    this.#draining = true;
    // A voice turn waiting for its channel's connection records nothing: the next start answers it.
    for (const waiters of this.#awaitingConnection.values()) for (const wake of waiters.splice(0)) wake();
    const deadline = new AbortController();
    const drained = await Promise.race([this.#queue.idle().then(() => true), this.#o.clock.sleep(waitMs, deadline.signal).then(() => false)]);
    deadline.abort();
    this.#stop.abort();
    if (!drained) this.#o.log.warn(`stopped ${this.#running.size} turn(s) still running after ${waitMs} ms; their messages are answered at the next start`);
    await this.#courier.stop(waitMs);
  }

  /** No turn runs in a session an operator stopped, nor in one held since the last `bosun down`. */
  #paused(key: string): boolean {
    return this.#stoppedSessions.has(key) || this.#held.has(key);
  }

  /** Queue a turn for a stored message; false when it is not (already queued, stopping, a stopped or held session). */
  #schedule(adapter: string, m: InboundMessage, receivedAt: number): boolean {
    const ik = inflightKey(adapter, m);
    const key = sessionKey(adapter, m.conversation, m.thread);
    if (this.#inflight.has(ik) || this.#draining || this.#paused(key)) return false;
    this.#inflight.add(ik);
    void this.#queue.run(key, async () => {
      try {
        await this.#turn(adapter, m, receivedAt, key);
      } catch (err) {
        this.#o.log.error(`${adapter}: the turn for ${m.id} in ${m.conversation} failed: ${errorMessage(err)}`);
      } finally {
        this.#inflight.delete(ik);
      }
    });
    return true;
  }

  async #turn(adapter: string, m: InboundMessage, receivedAt: number, key: string): Promise<void> {
    // Checked again here, not only when queued: a session stopped (or held) while messages were
    // queued behind its running turn answers none of them; they stay stored for start/release.
    if (this.#draining || this.#paused(key)) return;
    const { channels, agent, clock } = this.#o;
    const where = { conversation: m.conversation, ...(m.thread === undefined ? {} : { thread: m.thread }), replyTo: m.id };
    const own = new AbortController();
    this.#running.set(key, own);
    const signal = AbortSignal.any([this.#stop.signal, own.signal]);
    channels.progress(adapter, { ...where, phase: "started" });
    let answer: Answer;
    /** A voice note's transcription, and the user's text of this turn made of it (with its caption). */
    let heard: string | null = null;
    let said = m.text;
    try {
      let text = m.text;
      let failed: TurnResult | null = null;
      if (m.voice) {
        // Inside the session's queue and the turn's signal: order holds, and a cancel stops the transcription.
        // The dashboard shows "🎤 transcribing…" on the session's row while it runs (voice.transcribing).
        const hear = () => {
          this.#o.bus.emit({ type: "voice.transcribing", session: key, active: true });
          return hearVoice(adapter, { ...m, voice: m.voice! }, { channels, transcriber: this.#o.transcriber, settings: this.#voice }, signal).finally(() => this.#o.bus.emit({ type: "voice.transcribing", session: key, active: false }));
        };
        // Counted before the fetch: a connection made while it failed is not missed.
        let seen = this.#connections.get(adapter) ?? 0;
        let v = await hear();
        if (v.kind === "later") this.#o.log.info(`${adapter}: voice message ${m.id} waits for the channel's connection`);
        // It waits in its place, so the session's later messages are answered after it, not before.
        while (v.kind === "later") {
          await this.#nextConnection(adapter, seen, signal);
          if (this.#draining) return;
          seen = this.#connections.get(adapter) ?? 0;
          v = signal.aborted ? { kind: "cancelled" } : await hear();
        }
        if (v.kind === "heard") {
          heard = v.transcript;
          text = said = v.text;
        } else failed = v.kind === "failed" ? v.result : { text: "Cancelled.", error: { type: "cancelled", retryable: false } };
        if (v.kind === "failed") this.#o.log.warn(`${adapter}: voice message ${m.id}: ${v.result.text}`);
      }
      answer = failed
        ? { result: failed, model: null, usage: null, inContext: false, cancelled: failed.error?.type === "cancelled", tools: [] }
        : await agent.answer(key, text, signal, {
            onText: (t) => channels.progress(adapter, { ...where, phase: "text", text: t }),
            onRestart: () => channels.progress(adapter, { ...where, phase: "restarted" }),
          });
    } finally {
      this.#running.delete(key);
      channels.progress(adapter, { ...where, phase: "ended" });
    }
    // Stopping: nothing is recorded, so the message is answered by the next start instead.
    if (answer.cancelled && this.#stop.signal.aborted) return;
    let result: TurnResult = answer.cancelled ? { text: "Cancelled.", error: answer.result.error } : answer.result;
    if (heard !== null && !answer.cancelled && this.#voice.echoTranscript) result = { ...result, text: echoed(result.text, heard) };
    const speak = speaks(this.#voice.speakReplies, { heard: heard !== null, failed: result.error !== null, cancelled: answer.cancelled, byModel: answer.model !== null });
    const waiting = this.#queue.depth(key) > 1;
    const state: SessionState = waiting ? "active" : result.error && !answer.cancelled ? "errored" : "idle";
    const entry = await this.#o.store.recordTurn({
      adapter,
      inbound: m,
      receivedAt,
      reply: result,
      model: answer.model,
      usage: answer.usage,
      inContext: answer.inContext,
      state,
      at: clock.now(),
      ...(answer.tools.length > 0 ? { tools: answer.tools } : {}),
      ...(heard !== null ? { userText: said } : {}),
      ...(speak ? { speak: true } : {}),
    });
    if (entry) this.#courier.add(entry);
    else this.#o.log.warn(`${adapter}: ${m.id} in ${m.conversation} already had a reply; this turn's was not kept`);
    this.#changed();
  }

  /**
   * Resolves once `adapter` has connected again since `seen` connections (at once if it has), the
   * turn is cancelled, or the runtime stops.
   */
  #nextConnection(adapter: string, seen: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted || this.#draining || (this.#connections.get(adapter) ?? 0) !== seen) return resolve();
      let waiters = this.#awaitingConnection.get(adapter);
      if (!waiters) this.#awaitingConnection.set(adapter, (waiters = []));
      const wake = () => {
        signal.removeEventListener("abort", wake);
        const list = this.#awaitingConnection.get(adapter);
        const i = list?.indexOf(wake) ?? -1;
        if (i >= 0) list!.splice(i, 1);
        if (list && list.length === 0) this.#awaitingConnection.delete(adapter);
        resolve();
      };
      waiters.push(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  /** Past the waiting cap: the message is stored and gets this reply instead of a turn (never a silent drop). */
  async #refuse(adapter: string, m: InboundMessage, at: number, key: string): Promise<void> {
    const max = this.#o.maxWaiting;
    const text = `Too many messages are waiting in this conversation (${max}); this one was not sent to the agent. Send it again once the earlier ones are answered.`;
    this.#o.log.warn(`${adapter}: ${key} has ${max} messages waiting; refused ${m.id}`);
    const entry = await this.#o.store.recordTurn({
      adapter,
      inbound: m,
      receivedAt: at,
      reply: { text, error: { type: "too_many_waiting", retryable: true } },
      model: null,
      usage: null,
      inContext: false,
      state: "active",
      at: this.#o.clock.now(),
    });
    if (entry) this.#courier.add(entry);
  }

  /** Counts are re-read at most every COUNTS_REFRESH_MS after a change, and published when they differ. */
  #changed(): void {
    if (this.#countsDue) return;
    this.#countsDue = true;
    void this.#o.clock.sleep(this.#counts === null ? 0 : COUNTS_REFRESH_MS).then(async () => {
      this.#countsDue = false;
      try {
        const c = await this.#o.store.counts();
        if (JSON.stringify(c) === JSON.stringify(this.#counts)) return;
        this.#counts = c;
        this.#o.bus.emit({ type: "sessions.counts", sessions: c.sessions, outbox: c.outbox });
      } catch (err) {
        this.#o.log.debug(`session counts: ${errorMessage(err)}`);
      }
    });
  }
}

function inflightKey(adapter: string, m: InboundMessage): string {
  return `${adapter}\u0000${m.conversation}\u0000${m.id}`;
}

function acknowledge(adapter: string, d: InboundDelivery, log: ConsolaInstance): void {
  if (!d.accepted) return;
  const failed = (err: unknown) => log.warn(`${adapter}: acknowledging ${d.message.id} failed: ${errorMessage(err)}`);
  try {
    void Promise.resolve(d.accepted()).catch(failed);
  } catch (err) {
    failed(err);
  }
}
