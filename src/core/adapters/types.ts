import type { AudioInput, VoiceNote } from "../voice/types.ts";
import type { ConsolaInstance } from "consola";
import type { SupervisionConfig } from "../config/fields.ts";
import type { InboundMessage, InboundRejection, OutboundMessage, TranscriptEntry, TurnProgress } from "../messages.ts";
import type { Clock } from "../util/clock.ts";

/**
 * What every adapter config is, whatever its kind: its `kind` and the supervision timings. A
 * kind's own keys reach its factory typed (see kind.ts); generic code sees only these.
 */
export type AdapterConfig = SupervisionConfig & { kind: string };

// The message shapes are core's (sessions and the agent use them too); adapters see them here as well.
export type { InboundMessage, InboundRejection, OutboundMessage, ReplyError, TranscriptEntry, TurnProgress } from "../messages.ts";

/**
 * What an adapter's stream yields: a message, or bare protocol activity (keeps liveness fresh).
 * `accepted` is called once the gateway has durably stored the message; adapters that must
 * acknowledge to their platform (e.g. Telegram's update offset) do it there and not before.
 */
export type AdapterEvent =
  | {
      type: "message";
      message: InboundMessage;
      accepted?: () => void | Promise<void>;
      /** Called instead of a reply when the gateway refuses the message (its id already names another message). */
      rejected?: (reason: InboundRejection) => void;
    }
  | { type: "activity" };


/**
 * The adapter contract (semantics §1). The supervisor owns the lifecycle: it calls `start`
 * (which resolves once connected and returns the inbound stream), watches `lastEventAt`,
 * calls `probe` when the channel goes quiet, and `shutdown` to stop. One adapter object serves
 * one connection attempt: the supervisor builds a fresh one for every restart.
 */
export interface Adapter {
  readonly name: string;
  readonly kind: string;
  /** Epoch ms of the last protocol traffic of any kind (0 before any). */
  readonly lastEventAt: number;
  /** Connect; resolves with the inbound event stream, which ends when the connection does. */
  start(signal: AbortSignal): Promise<AsyncIterable<AdapterEvent>>;
  /** Deliver one outbound message. */
  send(message: OutboundMessage): Promise<void>;
  /** Release every resource; the stream ends. Safe to call twice, and before start finished. */
  shutdown(): Promise<void>;
  /** Cheap liveness check; false (or a throw) means the connection is dead even if nothing said so. */
  probe(): Promise<boolean>;
  /**
   * Request/response channels (webhook) must answer a repeated request too, from the store.
   * Push channels leave this unset: a redelivered message that was answered gets no second reply.
   */
  readonly answersDuplicates?: boolean;
  /**
   * Live progress of a turn answering one of this channel's messages (typing indicator, text as
   * it streams). Optional, best effort: it must not throw, and nothing waits for it.
   */
  progress?(p: TurnProgress): void;
  /**
   * Look a conversation up on the platform (a group's title, a user's name) for session
   * listings. Optional; called with a deadline (the signal aborts) and never for every message.
   */
  describe?(conversation: string, thread: string | undefined, signal: AbortSignal): Promise<{ title?: string } | null>;
  /**
   * The bytes of a voice message this adapter received (InboundMessage.voice.ref), fetched again
   * from the platform (so a message stored before a restart can still be transcribed). Throws a
   * VoiceError (voice_too_long past `maxBytes`) or an Error saying what failed.
   */
  fetchAudio?(ref: string, maxBytes: number, signal: AbortSignal): Promise<AudioInput>;
  /**
   * Send a spoken reply (a voice note) to the conversation of `message`, whose text `send` already
   * delivered (Telegram sendVoice, webchat audio). Optional: channels without it get the text only.
   * Throws like send. `signal` aborts when the gateway no longer waits for it (the reply's voice
   * deadline, [voice] timeout_ms, or a stop): the upload and any retry wait end then.
   */
  sendVoice?(message: OutboundMessage, note: VoiceNote, signal?: AbortSignal): Promise<void>;
  /**
   * The gateway is stopping (`bosun down`): take no new messages from now on (a long poll ends,
   * a request is answered 503 with Retry-After, a chat page is told), while replies of the turns
   * still finishing go out until `shutdown`. Optional; must not throw; the stream stays open.
   */
  stopIntake?(): void;
}

/** What a factory gets to build an adapter; `config` is typed by the kind (kind.ts). */
export interface AdapterContext<C extends AdapterConfig = AdapterConfig> {
  name: string;
  config: C;
  log: ConsolaInstance;
  /** The supervisor's clock: adapters read time and wait through it, so tests can drive both. */
  clock: Clock;
  /** This instance's state file (stable name, see stateFileName); the adapter may read and write it. */
  stateFile: string;
  /**
   * The stored transcript of one conversation (oldest first, at most `limit` messages), for a
   * channel that shows history to a reader who (re)connects (webchat). Absent without a store.
   */
  transcript?: (conversation: string, limit: number) => Promise<TranscriptEntry[]>;
}

/** Builds one adapter object (one connection attempt) of a kind whose config is `C`. */
export type AdapterFactory<C extends AdapterConfig = AdapterConfig> = (ctx: AdapterContext<C>) => Adapter;
