import type { ConfigErrorInfo } from "./errors.ts";
import { systemClock, type Clock } from "./util/clock.ts";
import type { AdapterStatus, GatewayStatus, InstallStatus, Status, VoiceStatus } from "./status.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Every state change in bosun is one of these events. The dashboard, the control API's
 * `/v1/events` stream and the gateway's own status all consume the same events.
 */
export type BosunEvent =
  /** Full state; first event of every `/v1/events` stream. */
  | { type: "snapshot"; at: string; status: Status }
  /** Gateway lifecycle or metadata changed (partial update). */
  | { type: "gateway.state"; at: string; gateway: Partial<GatewayStatus> }
  /** A config (re)load failed; the gateway keeps its last good config. */
  | { type: "config.error"; at: string; error: ConfigErrorInfo }
  /** A config was loaded and applied. */
  | { type: "config.reloaded"; at: string; configPath: string | null }
  /** An adapter's full status after a change. */
  | { type: "adapter.state"; at: string; adapter: AdapterStatus }
  /** An adapter is no longer configured. */
  | { type: "adapter.removed"; at: string; name: string }
  /** A message arrived on a channel. */
  | { type: "message.inbound"; at: string; adapter: string; conversation: string; user: string; text: string }
  /** A reply (or other message) left through a channel. */
  | { type: "message.outbound"; at: string; adapter: string; conversation: string; text: string }
  /** The session store's counts changed (sessions by state, outbox rows pending and dead). */
  | { type: "sessions.counts"; at: string; sessions: Status["sessions"]; outbox: Status["outbox"] }
  /** An install target's status changed. */
  | { type: "install.state"; at: string; install: InstallStatus }
  /** An install target was uninstalled and is not wanted: it has no row any more (as `bosun installs` lists them). */
  | { type: "install.removed"; at: string; target: string }
  /** The tool sources' rows changed (state, tool counts, why something is not offered): the whole list. */
  | { type: "integrations.state"; at: string; integrations: Status["integrations"] }
  /** What would transcribe or speak changed (a model installed or removed, the config reloaded). */
  | { type: "voice.state"; at: string; voice: Partial<Omit<VoiceStatus, "transcribing">> }
  /** A session's voice message began (`active`) or finished being transcribed. */
  | { type: "voice.transcribing"; at: string; session: string; active: boolean }
  /** A log record (already redacted). */
  | { type: "log"; at: string; level: LogLevel; tag: string; message: string };

export type EventType = BosunEvent["type"];
export type EventOf<T extends EventType> = Extract<BosunEvent, { type: T }>;
/** An event as emitted: the bus stamps `at`. */
export type EventInput = BosunEvent extends infer E ? (E extends BosunEvent ? Omit<E, "at"> & { at?: string } : never) : never;

type Listener = (e: BosunEvent) => void;

/** How many recent log records the bus keeps for subscribers that arrive late. */
export const RECENT_LOGS = 200;

/** Typed, synchronous event bus. A throwing listener never breaks the emitter or other listeners. */
export class EventBus {
  #listeners = new Set<Listener>();
  #clock: Pick<Clock, "now">;
  #recentLogs: EventOf<"log">[] = [];
  #recentCap: number;
  constructor(clock: Pick<Clock, "now"> = systemClock, recentLogs = RECENT_LOGS) {
    this.#clock = clock;
    this.#recentCap = recentLogs;
  }
  /** The time events are stamped with (the gateway's clock), for events built outside `emit`. */
  now(): number {
    return this.#clock.now();
  }
  /** Publish an event to every subscriber; returns the stamped event. */
  emit(input: EventInput): BosunEvent {
    const e = { ...input, at: input.at ?? new Date(this.#clock.now()).toISOString() } as BosunEvent;
    // An attached dashboard opened later starts with the recent log, not an empty pane.
    if (e.type === "log" && this.#recentCap > 0 && this.#recentLogs.push(e) > this.#recentCap) this.#recentLogs.shift();
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        // A broken subscriber must not take the gateway down.
      }
    }
    return e;
  }
  /** The last log records emitted (at most RECENT_LOGS), oldest first; already redacted like every log event. */
  recentLogs(): EventOf<"log">[] {
    return this.#recentLogs.slice();
  }
  /** Subscribe to every event; returns the unsubscribe function. */
  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Subscribe to one event type. */
  onType<T extends EventType>(type: T, listener: (e: EventOf<T>) => void): () => void {
    return this.on((e) => {
      if (e.type === type) listener(e as EventOf<T>);
    });
  }
}
