import type { VoiceRef } from "./voice/types.ts";
// The messages that cross the gateway. Adapters produce and deliver them, the inbox stores them
// and the agent answers them: they belong to none of those features, so they sit below all three.

/** One message received on a channel. `id` is the platform's message id (used for de-duplication). */
export interface InboundMessage {
  id: string;
  conversation: string;
  thread?: string;
  user: string;
  text: string;
  /**
   * Where a request/response channel also delivers the reply (a webhook's callback_url). Stored
   * with the message, so a reply made after a restart still goes there.
   */
  replyUrl?: string;
  /**
   * A name the message itself gives its conversation, for channels with no platform to ask (a
   * webhook's sender, a chat page's first words): the session's title until something better.
   */
  title?: string;
  /**
   * A voice or audio message: `text` is empty (or its caption) and the runtime transcribes the
   * audio, fetched through the adapter's fetchAudio, before the turn. Stored with the message.
   */
  voice?: VoiceRef;
}

/** The agent's failure, when the reply is the user-facing message about it. */
export interface ReplyError {
  type: string;
  retryable: boolean;
}

/** A message to deliver through a channel. */
export interface OutboundMessage {
  conversation: string;
  thread?: string;
  text: string;
  /** The inbound message id this answers (request/response channels such as webhook need it). */
  replyTo?: string;
  /** Set when `text` is the user-facing message of a failed turn. */
  error?: ReplyError | null;
  /** The inbound message's replyUrl (see InboundMessage). */
  replyUrl?: string;
  /**
   * Also speak this reply ([voice] speak_replies): after the text is delivered, the outbox makes a
   * voice note of it and hands it to the adapter's sendVoice, once, best effort.
   */
  speak?: boolean;
}

/** The answer to one message: what the turn produced, before it becomes an outbound message. */
export interface TurnResult {
  text: string;
  /** Set when `text` is the user-facing message of a failed turn. */
  error: ReplyError | null;
}

/**
 * Live news of a turn answering one message, for channels that can show it (a typing
 * indicator, text as it streams). Best effort and never stored: the reply itself still comes
 * as an OutboundMessage. `restarted` means the text so far is void (a retry or a fallback
 * model is answering afresh).
 */
export type TurnProgress = { conversation: string; thread?: string; replyTo: string } & (
  | { phase: "started" }
  | { phase: "text"; text: string }
  | { phase: "restarted" }
  | { phase: "ended" }
);

/** One message of a conversation's stored transcript, as a channel shows it to a (re)connecting reader. */
export interface TranscriptEntry {
  role: "user" | "agent";
  /** user: the message's id; agent: the id of the message it answers. */
  id: string;
  text: string;
  /** ISO time. */
  at: string;
  /** agent: set when the text is the user-facing message of a failed turn. */
  error?: ReplyError | null;
  /** user: a voice note; `text` is its transcription. */
  voice?: boolean;
}

/** Why the gateway refused an inbound message. */
export interface InboundRejection {
  code: "id_conflict";
  message: string;
}

/**
 * An inbound message handed to the gateway by its channel. `accepted` is called once the
 * message is stored durably (a channel acknowledges to its platform there and not before);
 * `rejected` instead of any reply when its id already names another message.
 */
export interface InboundDelivery {
  message: InboundMessage;
  accepted?: () => void | Promise<void>;
  rejected?: (reason: InboundRejection) => void;
}

/**
 * A send the platform refused for good (a chat that does not exist, a bot blocked by the user):
 * retrying cannot help, so the reply is given up on at once instead of after every attempt.
 */
/**
 * A send the platform asked to be tried again later (a rate limit whose wait is longer than an
 * adapter should hold a send for): the outbox waits at least `retryAfterMs` (within its 5-minute
 * cap) before the next attempt, instead of its own shorter backoff.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = "RetryLaterError";
  }
}

export class UndeliverableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UndeliverableError";
  }
}
