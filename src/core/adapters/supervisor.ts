import type { ConsolaInstance } from "consola";
import { BosunError, errorMessage } from "../errors.ts";
import type { EventBus } from "../events.ts";
import type { TranscriptEntry, TurnProgress } from "../messages.ts";
import type { Intake } from "../sessions/runtime.ts";
import type { AdapterState, AdapterStatus } from "../status.ts";
import { AbortedError, raceAbort } from "../util/abort.ts";
import type { Clock } from "../util/clock.ts";
import { VoiceError, type AudioInput, type VoiceNote } from "../voice/types.ts";
import { backoffDelay } from "../util/backoff.ts";
import { TerminalError } from "./errors.ts";
import type { Adapter, AdapterConfig, AdapterEvent, AdapterFactory, OutboundMessage } from "./types.ts";

export interface SupervisorDeps {
  name: string;
  config: AdapterConfig;
  fingerprint: string;
  factory: AdapterFactory;
  stateFile: string;
  bus: EventBus;
  log: ConsolaInstance;
  clock: Clock;
  random: () => number;
  /** Where inbound messages go (the turn runtime), and who hears of every (re)connect. */
  intake: Intake;
  /** The conversation transcript a channel may show (webchat history); absent without a store. */
  transcript?: (conversation: string, limit: number) => Promise<TranscriptEntry[]>;
}

/** How a start went, as far as the caller waited (semantics §1: bounded first-start wait). */
export type StartOutcome = "running" | "failed" | "still-starting";

/** Why a connection attempt ended; `terminal` when the adapter threw a TerminalError. */
interface AttemptEnd {
  message: string;
  terminal: boolean;
}

const PROBE_TIMEOUT_MS = 10_000;

/**
 * One adapter's supervisor (semantics §1): start, forward events, restart with full-jitter
 * backoff when the stream ends or start fails, restart stale connections whose probe fails,
 * and stop with a deadline. Nothing else starts, retries or stops the adapter.
 */
export class Supervisor {
  readonly status: AdapterStatus;
  #d: SupervisorDeps;
  #stop = new AbortController();
  #conn: AbortController | null = null;
  #wake: AbortController | null = null;
  #adapter: Adapter | null = null;
  #loop: Promise<void> | null = null;
  #failures = 0;
  #manualRestart = false;
  #staleReason: string | null = null;
  #outcomeWaiters: Array<(o: StartOutcome) => void> = [];

  constructor(deps: SupervisorDeps) {
    this.#d = deps;
    this.status = {
      name: deps.name,
      kind: deps.config.kind,
      state: "stopped",
      restarts: 0,
      since: new Date(deps.clock.now()).toISOString(),
      lastError: null,
      nextRetryAt: null,
      lastInboundAt: null,
      lastOutboundAt: null,
      fingerprint: deps.fingerprint,
    };
  }

  get name(): string {
    return this.#d.name;
  }
  get fingerprint(): string {
    return this.#d.fingerprint;
  }

  /** Start supervising; resolves with the first outcome or "still-starting" after `waitMs`. */
  start(waitMs: number): Promise<StartOutcome> {
    if (this.#loop) return Promise.resolve(this.status.state === "running" ? "running" : "still-starting");
    this.#stop = new AbortController();
    this.#failures = 0;
    const outcome = this.#nextOutcome(waitMs);
    const stop = this.#stop.signal;
    this.#loop = this.#run(stop).catch((err) => this.#d.log.error(`supervisor of ${this.name} crashed: ${errorMessage(err)}`));
    return outcome;
  }

  /** Drop the current connection and reconnect now (or start, when stopped); counts as a restart. */
  restart(waitMs: number): Promise<StartOutcome> {
    if (!this.#loop) return this.start(waitMs);
    const outcome = this.#nextOutcome(waitMs);
    this.#manualRestart = true;
    this.#conn?.abort();
    this.#wake?.abort();
    return outcome;
  }

  /** Stop: signal, shut the adapter down, await the loop with a deadline. Never restarts after. */
  async stop(): Promise<void> {
    const loop = this.#loop;
    if (!loop) return;
    this.#set("stopping");
    this.#stop.abort();
    let shutdownError: unknown = null;
    try {
      await this.#adapter?.shutdown();
    } catch (err) {
      shutdownError = err;
    }
    const deadline = new AbortController();
    const finished = await Promise.race([loop.then(() => true), this.#d.clock.sleep(this.#d.config.stop_timeout_ms, deadline.signal).then(() => false)]);
    deadline.abort();
    if (!finished) this.#d.log.warn(`${this.name} did not stop within ${this.#d.config.stop_timeout_ms} ms; abandoned it`);
    this.#loop = null;
    this.#set("stopped", { nextRetryAt: null });
    // Teardown is complete; only now is a shutdown failure reported.
    if (shutdownError) this.#d.log.error(`${this.name}: error while shutting down: ${errorMessage(shutdownError)}`);
  }

  /** Send through the live connection (for `bosun send`); refuses when not running. */
  async send(message: OutboundMessage): Promise<void> {
    const adapter = this.#adapter;
    if (!adapter || this.status.state !== "running") {
      throw new BosunError("adapter_down", `adapter ${this.name} is ${this.status.state}`, { hint: `\`bosun adapters restart ${this.name}\`, or check \`bosun adapters\`` });
    }
    await adapter.send(message);
    this.#outbound(message);
  }

  async #run(stop: AbortSignal): Promise<void> {
    let first = true;
    while (!stop.aborted) {
      if (!first) this.status.restarts++;
      first = false;
      const reason = await this.#attempt(stop);
      if (stop.aborted) break;
      if (this.#manualRestart) {
        this.#manualRestart = false;
        this.#failures = 0;
        continue;
      }
      this.#failures++;
      // A terminal failure (rejected credentials) will not heal by itself: show it failed now and retry rarely.
      const delay = reason.terminal
        ? this.#d.config.backoff_max_ms
        : backoffDelay(this.#failures, this.#d.config.backoff_initial_ms, this.#d.config.backoff_max_ms, this.#d.random);
      const failed = reason.terminal || this.#failures >= this.#d.config.failed_after;
      this.#set(failed ? "failed" : "backoff", { lastError: reason.message, nextRetryAt: new Date(this.#d.clock.now() + delay).toISOString() });
      this.#settleOutcome("failed");
      this.#d.log.warn(`${this.name}: ${reason.message}; retrying in ${(delay / 1000).toFixed(1)} s (failure ${this.#failures})`);
      this.#wake = new AbortController();
      await this.#d.clock.sleep(delay, AbortSignal.any([stop, this.#wake.signal]));
      this.#wake = null;
      if (this.#manualRestart) {
        this.#manualRestart = false;
        this.#failures = 0;
      }
    }
  }

  /** One connection attempt, from start to the end of its stream; returns why it ended. */
  async #attempt(stop: AbortSignal): Promise<AttemptEnd> {
    const conn = new AbortController();
    this.#conn = conn;
    const onStop = () => conn.abort();
    stop.addEventListener("abort", onStop, { once: true });
    this.#staleReason = null;
    const { transcript } = this.#d;
    const adapter = this.#d.factory({ name: this.name, config: this.#d.config, log: this.#d.log, clock: this.#d.clock, stateFile: this.#d.stateFile, ...(transcript ? { transcript } : {}) });
    this.#adapter = adapter;
    this.#set("starting", { nextRetryAt: null });
    let reason: AttemptEnd;
    try {
      const stream = await raceAbort(adapter.start(conn.signal), conn.signal);
      this.#set("running", { lastError: null, nextRetryAt: null });
      this.#settleOutcome("running");
      // What waited for this connection (undelivered replies, unanswered messages) goes now.
      this.#d.intake.connected(this.name);
      reason = await this.#consume(adapter, stream, conn);
    } catch (err) {
      reason = { message: this.#staleReason ?? (err instanceof AbortedError ? "stopped" : errorMessage(err)), terminal: err instanceof TerminalError };
    } finally {
      stop.removeEventListener("abort", onStop);
      conn.abort();
    }
    try {
      await adapter.shutdown();
    } catch (err) {
      if (!stop.aborted) this.#d.log.warn(`${this.name}: error while closing the old connection: ${errorMessage(err)}`);
    }
    if (this.#adapter === adapter) this.#adapter = null;
    return reason;
  }

  /** Forward the stream's events until it ends, the connection goes stale, or we stop. */
  async #consume(adapter: Adapter, stream: AsyncIterable<AdapterEvent>, conn: AbortController): Promise<AttemptEnd> {
    const connectedAt = this.#d.clock.now();
    const markHealthy = () => {
      this.#failures = 0;
    };
    void this.#d.clock.sleep(this.#d.config.healthy_after_ms, conn.signal).then(() => {
      if (!conn.signal.aborted) markHealthy();
    });
    const watchdog = this.#watch(adapter, conn, connectedAt);
    const it = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await raceAbort(it.next(), conn.signal);
        if (r.done) return { message: this.#staleReason ?? "connection ended", terminal: false };
        markHealthy();
        if (r.value.type === "message") this.#dispatch(r.value);
      }
    } finally {
      conn.abort();
      void it.return?.()?.catch(() => undefined);
      await watchdog;
    }
  }

  /** Liveness: when nothing arrived for stale_after_ms, probe; a failed probe ends the connection as stale. */
  async #watch(adapter: Adapter, conn: AbortController, connectedAt: number): Promise<void> {
    const staleAfter = this.#d.config.stale_after_ms;
    let lastProbeOk = 0;
    while (!conn.signal.aborted) {
      const ref = Math.max(adapter.lastEventAt, connectedAt, lastProbeOk);
      const due = ref + staleAfter - this.#d.clock.now();
      if (due > 0) {
        await this.#d.clock.sleep(due, conn.signal);
        continue;
      }
      const timeout = new AbortController();
      const ok = await Promise.race([
        adapter.probe().catch(() => false),
        this.#d.clock.sleep(Math.min(PROBE_TIMEOUT_MS, staleAfter), AbortSignal.any([timeout.signal, conn.signal])).then(() => false),
      ]);
      timeout.abort();
      if (conn.signal.aborted) return;
      if (ok) {
        lastProbeOk = this.#d.clock.now();
        continue;
      }
      this.#staleReason = `stale: no traffic for ${Math.round((this.#d.clock.now() - ref) / 1000)} s and the liveness probe failed`;
      this.#d.log.warn(`${this.name}: ${this.#staleReason}; restarting`);
      conn.abort();
      return;
    }
  }

  /** Hand one inbound message to the runtime; it stores, acknowledges and answers it. */
  #dispatch(ev: Extract<AdapterEvent, { type: "message" }>): void {
    const m = ev.message;
    void this.#d.intake.inbound(this.name, ev).then(
      (isNew) => {
        if (!isNew) return;
        const at = new Date(this.#d.clock.now()).toISOString();
        this.status.lastInboundAt = at;
        this.#d.bus.emit({ type: "message.inbound", at, adapter: this.name, conversation: m.conversation, user: m.user, text: m.text });
      },
      (err) => this.#d.log.error(`${this.name}: message ${m.id} was not taken: ${errorMessage(err)}`),
    );
  }

  /** Deliver a reply through the live connection; "not_connected" when there is none (the runtime keeps it for the next). */
  async deliver(message: OutboundMessage): Promise<"sent" | "not_connected"> {
    const adapter = this.#adapter;
    if (!adapter || this.status.state !== "running") return "not_connected";
    await adapter.send(message);
    this.#outbound(message);
    return "sent";
  }

  /** Live progress of a turn, to the live connection if there is one (best effort). */
  progress(p: TurnProgress): void {
    const adapter = this.#adapter;
    if (!adapter?.progress || this.status.state !== "running") return;
    try {
      adapter.progress(p);
    } catch (err) {
      this.#d.log.debug(`${this.name}: progress: ${errorMessage(err)}`);
    }
  }

  /** The platform's description of a conversation, through the live connection; null without one. */
  /** The gateway is stopping: the live connection takes no new messages (Adapter.stopIntake). */
  stopIntake(): void {
    try {
      this.#adapter?.stopIntake?.();
    } catch {
      // Best effort by contract: shutdown follows anyway.
    }
  }

  async describe(conversation: string, thread: string | undefined, signal: AbortSignal): Promise<{ title?: string } | null> {
    const adapter = this.#adapter;
    if (!adapter?.describe || this.status.state !== "running") return null;
    return adapter.describe(conversation, thread, signal);
  }

  /** A voice message's bytes through the live connection; "not_connected" without one. */
  async fetchAudio(ref: string, maxBytes: number, signal: AbortSignal): Promise<AudioInput | "not_connected"> {
    const adapter = this.#adapter;
    if (!adapter || this.status.state !== "running") return "not_connected";
    if (!adapter.fetchAudio) throw new VoiceError("voice_unavailable", `the ${adapter.kind} channel cannot fetch voice messages`);
    try {
      return await adapter.fetchAudio(ref, maxBytes, signal);
    } catch (err) {
      // The connection went away during the fetch (a reconnect aborts the old one's requests): the
      // message waits for the next connection instead of getting a failure reply.
      if (!signal.aborted && (this.#adapter !== adapter || this.status.state !== "running")) return "not_connected";
      throw err;
    }
  }

  /** A spoken reply through the live connection; "not_connected" without one, "unsupported" when the channel takes no voice notes. */
  async sendVoice(message: OutboundMessage, note: VoiceNote, signal?: AbortSignal): Promise<"sent" | "not_connected" | "unsupported"> {
    const adapter = this.#adapter;
    if (!adapter || this.status.state !== "running") return "not_connected";
    if (!adapter.sendVoice) return "unsupported";
    await adapter.sendVoice(message, note, signal);
    // Not a second outbound message (its text was one already): only the channel's last traffic moves.
    this.status.lastOutboundAt = new Date(this.#d.clock.now()).toISOString();
    return "sent";
  }

  /** Whether the live connection takes voice notes (its adapter has sendVoice); false without one. */
  get canSendVoice(): boolean {
    return this.#adapter?.sendVoice !== undefined;
  }

  /** Whether this channel answers a repeated request with the stored reply. */
  get answersDuplicates(): boolean {
    return this.#adapter?.answersDuplicates === true;
  }

  #outbound(message: OutboundMessage): void {
    const at = new Date(this.#d.clock.now()).toISOString();
    this.status.lastOutboundAt = at;
    this.#d.bus.emit({ type: "message.outbound", at, adapter: this.name, conversation: message.conversation, text: message.text });
  }

  #nextOutcome(waitMs: number): Promise<StartOutcome> {
    return new Promise<StartOutcome>((resolve) => {
      const timer = new AbortController();
      this.#outcomeWaiters.push((o) => {
        timer.abort();
        resolve(o);
      });
      void this.#d.clock.sleep(waitMs, timer.signal).then(() => {
        if (!timer.signal.aborted) resolve("still-starting");
      });
    });
  }

  #settleOutcome(o: StartOutcome): void {
    for (const w of this.#outcomeWaiters.splice(0)) w(o);
  }

  #set(state: AdapterState, patch: Partial<AdapterStatus> = {}): void {
    const changed = state !== this.status.state;
    Object.assign(this.status, patch, { state });
    if (changed) this.status.since = new Date(this.#d.clock.now()).toISOString();
    this.#d.bus.emit({ type: "adapter.state", adapter: { ...this.status } });
  }
}
