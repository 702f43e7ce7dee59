import type { ConsolaInstance } from "consola";
import { errorMessage } from "../errors.ts";
import { RetryLaterError, UndeliverableError, type OutboundMessage, type TurnProgress } from "../messages.ts";
import type { Clock } from "../util/clock.ts";
import { AbortedError, raceAbort } from "../util/abort.ts";
import { VoiceError, type AudioInput, type SpeakReply, type VoiceNote } from "../voice/types.ts";
import type { OutboxEntry, SessionStore } from "./store.ts";
import { unechoed } from "./echo.ts";

/** Longest wait between two delivery attempts of one reply. */
const RETRY_CAP_MS = 5 * 60_000;

/** How the runtime reaches channels: the adapter manager fills it. */
export interface Channels {
  /** Deliver now through the adapter's live connection; "not_connected" when it has none (the reply waits for its reconnect). Throws when the send failed. */
  send(adapter: string, message: OutboundMessage): Promise<"sent" | "not_connected">;
  /** Live progress of a turn (best effort; dropped when the adapter is not connected). */
  progress(adapter: string, p: TurnProgress): void;
  /** Whether the adapter answers a repeated request with the stored reply (webhook, webchat). */
  answersDuplicates(adapter: string): boolean;
  /**
   * A voice message's bytes through the adapter's live connection (Adapter.fetchAudio);
   * "not_connected" when it has none (the message waits for its reconnect). Absent: no channel fetches audio.
   */
  fetchAudio?(adapter: string, ref: string, maxBytes: number, signal: AbortSignal): Promise<AudioInput | "not_connected">;
  /**
   * A spoken reply through the adapter's live connection (Adapter.sendVoice): "unsupported" when the
   * adapter has no sendVoice, "not_connected" when it has no connection. Throws when the send failed;
   * gives up (throws) once `signal` aborts (the reply's voice deadline, a stop).
   */
  sendVoice?(adapter: string, message: OutboundMessage, note: VoiceNote, signal?: AbortSignal): Promise<"sent" | "not_connected" | "unsupported">;
  /**
   * Cheap, asked before a voice note is made: whether the adapter's live connection takes voice
   * notes (has sendVoice). False spares the synthesis of a note nobody could send. Absent: assumed
   * true, and sendVoice's "unsupported" says otherwise after the fact.
   */
  canSendVoice?(adapter: string): boolean;
}

export interface OutboxSettings {
  retryMs: number;
  maxAttempts: number;
  maxAgeMs: number;
}

/** How the courier speaks replies whose row says so: the voice note maker, and how long one may take. */
export interface CourierSpeech {
  speakReply: SpeakReply;
  timeoutMs: () => number;
}

interface Lane {
  key: string;
  adapter: string;
  rows: OutboxEntry[];
  running: boolean;
  timer: AbortController | null;
}

/**
 * Delivers outbox rows (semantics §4): in order per session, sessions concurrently; a row is
 * marked sent once its channel took it, retried with doubling waits when the send failed, kept
 * waiting (no attempt counted) while its adapter is not connected, and dead past the attempts or
 * age bound. The store is the truth: `reload` reads an adapter's pending rows again (start,
 * every reconnect); in memory are only the rows of sessions with something to deliver.
 */
export class OutboxCourier {
  #lanes = new Map<string, Lane>();
  #known = new Set<number>();
  #drains = new Set<Promise<void>>();
  #stopped = false;
  /** Aborted by stop: a voice note being made is given up on (its text is delivered already). */
  #halt = new AbortController();
  /** Whether "no voice installed" was said at info level (then debug, until a voice note is made again). */
  #saidNoVoice = false;
  constructor(
    private readonly store: SessionStore,
    private readonly channels: Channels,
    private readonly clock: Clock,
    private readonly log: ConsolaInstance,
    private settings: OutboxSettings,
    private readonly onChange: () => void,
    private readonly speech?: CourierSpeech,
  ) {}

  configure(settings: OutboxSettings): void {
    this.settings = settings;
  }

  /** A reply just stored: deliver it after the earlier ones of its session. */
  add(entry: OutboxEntry): void {
    if (this.#stopped || this.#known.has(entry.id)) return;
    this.#known.add(entry.id);
    this.#lane(entry).rows.push(entry);
    this.#kick(this.#lane(entry));
  }

  /**
   * Read pending rows from the store and deliver them: one adapter's when its connection is up,
   * or every adapter's at start (rows of an adapter that never connects still reach their age bound).
   */
  async reload(adapter?: string): Promise<void> {
    if (this.#stopped) return;
    const rows = await this.store.pendingOutbox(adapter);
    const touched = new Set<Lane>();
    for (const row of rows) {
      if (this.#known.has(row.id)) continue;
      this.#known.add(row.id);
      const lane = this.#lane(row);
      lane.rows.push(row);
      touched.add(lane);
    }
    // Once per lane, not per row: a reconnect after a long outage can bring thousands.
    for (const lane of touched) lane.rows.sort((a, b) => a.id - b.id);
    for (const lane of this.#lanes.values()) {
      if (adapter !== undefined && lane.adapter !== adapter) continue;
      // A reconnect is news: a row waiting out a failure backoff is tried now.
      if (lane.timer) {
        lane.timer.abort();
        lane.timer = null;
      }
      this.#kick(lane);
    }
  }

  /** Rows held in memory (pending deliveries of live lanes). */
  get size(): number {
    return this.#known.size;
  }

  /**
   * Stop: no new send starts; a send under way is let finish (up to `waitMs`) so that what its
   * channel took is recorded as sent, not sent again by the next start.
   */
  async stop(waitMs: number): Promise<void> {
    this.#stopped = true;
    this.#halt.abort();
    for (const lane of this.#lanes.values()) lane.timer?.abort();
    const deadline = new AbortController();
    await Promise.race([Promise.allSettled([...this.#drains]), this.clock.sleep(waitMs, deadline.signal)]);
    deadline.abort();
    this.#lanes.clear();
    this.#known.clear();
  }

  #lane(row: OutboxEntry): Lane {
    const k = `${row.adapter}\u0000${row.sessionId}`;
    let lane = this.#lanes.get(k);
    if (!lane) this.#lanes.set(k, (lane = { key: k, adapter: row.adapter, rows: [], running: false, timer: null }));
    return lane;
  }

  #kick(lane: Lane): void {
    if (lane.running || lane.timer || this.#stopped) return;
    lane.running = true;
    let failed = false;
    const drain = this.#drain(lane)
      .catch((err) => {
        failed = true;
        this.log.error(`delivering replies through ${lane.adapter} failed: ${errorMessage(err)}`);
      })
      .finally(() => {
        lane.running = false;
        this.#drains.delete(drain);
        if (lane.timer || this.#stopped) return;
        // After a failure the lane waits before trying again: never a tight loop.
        if (failed && lane.rows.length > 0) return this.#wait(lane, this.settings.retryMs);
        // A row added after the loop's last look (while this settled) is delivered now.
        if (lane.rows.length > 0) this.#kick(lane);
        else if (this.#lanes.get(lane.key) === lane) this.#lanes.delete(lane.key);
      });
    this.#drains.add(drain);
  }

  async #drain(lane: Lane): Promise<void> {
    while (lane.rows.length > 0 && !this.#stopped) {
      const row = lane.rows[0]!;
      const now = this.clock.now();
      if (now - row.createdAt > this.settings.maxAgeMs) {
        await this.#dead(lane, row, `not delivered within ${Math.round(this.settings.maxAgeMs / 1000)} s${row.lastError ? ` (last error: ${row.lastError})` : ""}`);
        continue;
      }
      if (row.nextAttemptAt > now) return this.#wait(lane, row.nextAttemptAt - now);
      let outcome: "sent" | "not_connected";
      const speak = row.speak === true && this.speech !== undefined && this.channels.sendVoice !== undefined && this.channels.canSendVoice?.(row.adapter) !== false;
      const message: OutboundMessage = {
        conversation: row.conversation,
        thread: row.thread,
        text: row.text,
        replyTo: row.replyTo,
        error: row.error,
        ...(row.replyUrl ? { replyUrl: row.replyUrl } : {}),
        ...(speak ? { speak: true } : {}),
      };
      try {
        outcome = await this.channels.send(row.adapter, message);
      } catch (err) {
        const attempts = row.attempts + 1;
        const message = errorMessage(err);
        row.attempts = attempts;
        if (err instanceof UndeliverableError || attempts >= this.settings.maxAttempts) {
          await this.#dead(lane, row, err instanceof UndeliverableError ? `refused by ${row.adapter}: ${message}` : `${attempts} delivery attempts failed; last: ${message}`);
          continue;
        }
        // A platform's "retry after" (a long rate limit) is honoured, within the same cap.
        const asked = err instanceof RetryLaterError && Number.isFinite(err.retryAfterMs) ? err.retryAfterMs : 0;
        const wait = Math.min(RETRY_CAP_MS, Math.max(asked, this.settings.retryMs * 2 ** (attempts - 1)));
        row.lastError = message;
        row.nextAttemptAt = this.clock.now() + wait;
        // What the store does not learn now is kept here, so the retry waits all the same.
        await this.#record(() => this.store.markRetry(row.id, message, row.nextAttemptAt), `the failed delivery of ${row.replyTo}`);
        this.log.warn(`${row.adapter}: delivering the reply to ${row.replyTo} failed (${message}); trying again in ${Math.round(wait / 100) / 10} s`);
        continue;
      }
      // Not connected: the reply waits, in its place, for the adapter's next connection (reload),
      // or until its age bound, when it is given up on even if the adapter never comes back.
      if (outcome === "not_connected") return this.#wait(lane, Math.max(0, row.createdAt + this.settings.maxAgeMs + 1 - this.clock.now()));
      // Sent: it leaves the lane whatever the store says, so a failed write never sends it again.
      take(lane, row);
      const sentAt = this.clock.now();
      if (await this.#record(() => this.store.markSent(row.id, sentAt), `the delivery of ${row.replyTo}`)) this.#known.delete(row.id);
      else this.#recordLater(row.id, () => this.store.markSent(row.id, sentAt), 1);
      this.onChange();
      // In the lane: the session's next reply comes after this voice note, not before it.
      if (speak) await this.#speak(row, message);
    }
  }

  /**
   * A delivered reply, also as a voice note: made and sent within the timeout, once, best effort
   * (the lane's next reply waits for it, so neither a slow synthesis nor a stuck upload may hold it
   * longer). Whatever fails is logged and nothing else happens: the text went out and stays sent.
   */
  async #speak(row: OutboxEntry, message: OutboundMessage): Promise<void> {
    const { speakReply, timeoutMs } = this.speech!;
    const deadline = new AbortController();
    const limit = timeoutMs();
    let timedOut = false;
    let sending = false;
    void this.clock.sleep(limit, deadline.signal).then(() => {
      if (deadline.signal.aborted) return;
      timedOut = true;
      deadline.abort();
    });
    const signal = AbortSignal.any([deadline.signal, this.#halt.signal]);
    const what = `the voice note of the reply to ${row.replyTo}`;
    try {
      // Raced, not only signalled: a synthesis that does not heed its signal cannot hold the lane (or a stop).
      // Spoken without the echo of what was heard: the listener said that themselves.
      const note = await raceAbort(speakReply(unechoed(row.text), signal), signal);
      this.#saidNoVoice = false;
      if (this.#stopped) return;
      sending = true;
      const outcome = await raceAbort(this.channels.sendVoice!(row.adapter, message, note, signal), signal);
      if (outcome !== "sent") this.log.debug(`${row.adapter}: ${what} was not sent (${outcome === "unsupported" ? "the channel takes no voice notes" : "not connected"})`);
    } catch (err) {
      if (this.#halt.signal.aborted && !timedOut) this.log.debug(`${what} was given up on: the gateway is stopping`);
      else if (timedOut) this.log.warn(`${row.adapter}: ${what} was not ${sending ? "sent" : "made"} within ${Math.round(limit / 1000)} s; the reply went as text only`);
      else if (err instanceof VoiceError && (err.code === "voice_no_model" || err.code === "voice_unavailable")) this.#noVoice(row, err);
      else this.log.warn(`${row.adapter}: ${what} failed (${err instanceof AbortedError ? "aborted" : errorMessage(err)}); the reply went as text only`);
    } finally {
      deadline.abort();
    }
  }

  /** No voice to speak with: said once at info level (it is a setup, not a failure of each reply), then at debug. */
  #noVoice(row: OutboxEntry, err: VoiceError): void {
    const line = `replies are not spoken: ${err.message}${err.hint ? ` (${err.hint})` : ""}`;
    if (this.#saidNoVoice) return this.log.debug(`${row.adapter}: ${line}`);
    this.#saidNoVoice = true;
    this.log.info(line);
  }

  /** A store write of the courier's; false (logged) when it failed. */
  async #record(write: () => Promise<void>, what: string): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      this.log.error(`could not record ${what}: ${errorMessage(err)}`);
      return false;
    }
  }

  /**
   * Try a failed "sent" write again later, with doubling waits. Meanwhile the row stays known, so
   * a reload (a reconnect) does not deliver it again; a restart before it succeeds would.
   */
  #recordLater(id: number, write: () => Promise<void>, attempt: number): void {
    const wait = Math.min(RETRY_CAP_MS, this.settings.retryMs * 2 ** (attempt - 1));
    void this.clock.sleep(wait).then(async () => {
      if (this.#stopped) return;
      try {
        await write();
        this.#known.delete(id);
      } catch {
        this.#recordLater(id, write, attempt + 1);
      }
    });
  }

  #wait(lane: Lane, ms: number): void {
    const timer = new AbortController();
    lane.timer = timer;
    void this.clock.sleep(ms, timer.signal).then(() => {
      if (timer.signal.aborted || lane.timer !== timer) return;
      lane.timer = null;
      this.#kick(lane);
    });
  }

  async #dead(lane: Lane, row: OutboxEntry, reason: string): Promise<void> {
    await this.#record(() => this.store.markDead(row.id, reason, row.attempts), `that the reply to ${row.replyTo} was given up on`);
    this.log.error(`${row.adapter}: gave up delivering the reply to ${row.replyTo} in ${row.conversation}: ${reason}`);
    this.#done(lane, row);
  }

  #done(lane: Lane, row: OutboxEntry): void {
    take(lane, row);
    this.#known.delete(row.id);
    this.onChange();
  }
}

/** Remove `row` from its lane: by identity, not position, so a reload sorting the lane meanwhile cannot make another row go. */
function take(lane: Lane, row: OutboxEntry): void {
  const i = lane.rows.indexOf(row);
  if (i >= 0) lane.rows.splice(i, 1);
}
