import type { ToolStep } from "../integrations/types.ts";
import type { InboundMessage, ReplyError, TranscriptEntry, TurnResult } from "../messages.ts";

// The session store's contract (semantics §4). The runtime and the API read and write sessions
// through this interface only: no SQL above it, so another backend (Postgres, for gateways that
// share sessions) can fill it. sqlite-store.ts is the one implementation today.

export type SessionState = "active" | "idle" | "errored" | "stopped";

/** What the store knows about an inbound message it was handed. */
export type InboxVerdict =
  | { kind: "new" }
  /** Seen before and answered: resend the stored reply, never run the agent again. */
  | { kind: "answered"; reply: string; error: ReplyError | null }
  /** Seen before, no reply recorded (in flight here, or the process died before replying). */
  | { kind: "unanswered" }
  /** The id was used before in this conversation for a different message: neither is replaced. */
  | { kind: "conflict" };

/** A stored inbound message that has no reply yet. */
export interface PendingInbound {
  adapter: string;
  message: InboundMessage;
  /** Epoch ms. */
  receivedAt: number;
}

/** One row of the outbox: a reply to deliver. */
export interface OutboxEntry {
  id: number;
  sessionId: string;
  adapter: string;
  conversation: string;
  thread?: string;
  replyTo: string;
  text: string;
  error: ReplyError | null;
  state: "pending" | "sent" | "dead";
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  /** Where a request/response channel also delivers it (InboundMessage.replyUrl). */
  replyUrl?: string;
  /** Also sent as a voice note once its text is delivered ([voice] speak_replies, decided when the turn ended). */
  speak?: boolean;
}

/** One message of the history a prompt is built from, oldest first. */
export interface HistoryMessage {
  role: "user" | "assistant";
  content: string;
}

/** What one finished turn leaves behind; stored in one transaction with its outbox row. */
export interface TurnRecord {
  adapter: string;
  inbound: InboundMessage;
  receivedAt: number;
  reply: TurnResult;
  /** The model that answered (null for commands and refusals). */
  model: string | null;
  usage: { in: number; out: number } | null;
  /** Whether the exchange goes back into later prompts (not for commands or failures). */
  inContext: boolean;
  /** The session's state once this turn is done. */
  state: SessionState;
  at: number;
  /** The tool calls the turn ran, in order: stored between the user message and the reply, never in a prompt. */
  tools?: ToolStep[];
  /** The user message as the turn read it when it differs from inbound.text: a voice note's transcription. */
  userText?: string;
  /** The reply is also to be spoken (its outbox row says so). */
  speak?: boolean;
}

/** A session's metadata (semantics §4). Times are epoch ms. */
export interface SessionInfo {
  id: string;
  key: string;
  adapter: string;
  conversation: string;
  thread: string | null;
  title: string | null;
  state: SessionState;
  createdAt: number;
  lastActivityAt: number;
  /** User messages and replies (tool steps are not counted: they are not messages of the conversation). */
  messageCount: number;
  tokensIn: number;
  tokensOut: number;
  lastErrorType: string | null;
  lastErrorAt: number | null;
  /** Stored messages waiting for their turn. */
  waiting: number;
  /** Replies waiting for delivery. */
  pendingOut: number;
  /** Replies given up on. */
  deadOut: number;
}

/** Which sessions a listing wants: newest activity first, `limit` at a time from `cursor`. */
export interface SessionQuery {
  adapter?: string;
  state?: SessionState;
  /** At most this many (default 50, at most 1,000). */
  limit?: number;
  /** The page after the one whose `nextCursor` this is. */
  cursor?: string;
}

export interface SessionPage {
  sessions: SessionInfo[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/**
 * One message of a session's transcript, or one tool call of a turn (role "tool", between the
 * user message and the reply; `content` is the stored JSON, `tool` it parsed, absent when it does not parse).
 */
export interface TranscriptMessage {
  role: "user" | "assistant" | "tool";
  content: string;
  tool?: ToolStep;
  /** user: its id; assistant and tool: the id of the message it answers. */
  inboundId: string;
  model: string | null;
  errorType: string | null;
  createdAt: number;
  /** user: the message was a voice note, and `content` is what was heard. */
  voice?: boolean;
}

/** A session with its transcript and what it still owes. */
export interface SessionDetail extends SessionInfo {
  messages: TranscriptMessage[];
  /** Stored inbound messages still waiting for their turn. */
  waitingMessages: Array<{ id: string; text: string; receivedAt: number }>;
  /** Replies not delivered yet, and those given up on. */
  outbox: OutboxEntry[];
  /** What is true now (filled by the gateway, not the store): the adapter's state and the session's turn. */
  live?: { adapter: string; turn: "running" | "queued" | "none"; held?: boolean };
}

export interface StoreCounts {
  sessions: { total: number; active: number; errored: number };
  outbox: { pending: number; dead: number };
}

export interface SessionStore {
  /** Store an inbound message once (creating its session); says whether it is new, answered, unanswered or a conflict. */
  accept(adapter: string, message: InboundMessage, at: number): Promise<InboxVerdict>;
  /** Stored inbound messages without a reply, in arrival order (one adapter's, or all). */
  pendingInbound(adapter?: string): Promise<PendingInbound[]>;
  /** The newest `limit` in-context messages of a session after its last reset, oldest first. */
  history(key: string, limit: number): Promise<HistoryMessage[]>;
  /**
   * Record a finished turn: both messages, the inbox's reply, session totals and the outbox row,
   * in one transaction. Null when the message already had a reply: a second one is never stored.
   */
  recordTurn(record: TurnRecord): Promise<OutboxEntry | null>;
  /** Start a fresh context: earlier messages stay stored but leave the prompt. */
  resetContext(key: string): Promise<void>;
  /** Set a session's state (no-op for an unknown key). */
  setState(key: string, state: SessionState, at: number): Promise<void>;
  /** Pending outbox rows of one adapter (or of all), oldest first. */
  pendingOutbox(adapter?: string): Promise<OutboxEntry[]>;
  markSent(id: number, at: number): Promise<void>;
  /** A failed attempt: counted, with when to try again. */
  markRetry(id: number, error: string, nextAttemptAt: number): Promise<void>;
  /** Give up on a row after `attempts` failed attempts (or its age). */
  markDead(id: number, error: string, attempts: number): Promise<void>;
  /** A conversation's transcript as a channel shows it (oldest first, at most `limit`; no tool steps). */
  transcript(key: string, limit: number): Promise<TranscriptEntry[]>;
  /** One session by id, unique id prefix or key, with its transcript (its newest `limit` messages, with the tool steps between them). */
  session(idOrKey: string, limit?: number): Promise<SessionDetail | null>;
  counts(): Promise<StoreCounts>;
  /** Sessions by metadata only (never a network call): indexed, newest activity first, a page at a time. */
  listStored(query?: SessionQuery): Promise<SessionPage>;
  /** Keep a session's title (from enrichment), so listings show it without asking again. */
  setTitle(key: string, title: string): Promise<void>;
  /** Keys of the sessions in state `stopped`. */
  stoppedKeys(): Promise<string[]>;
}
