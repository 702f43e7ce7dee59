import { randomUUID } from "node:crypto";
import { BosunError, ExitCode } from "../errors.ts";
import type { InboundDelivery, ReplyError, TranscriptEntry } from "../messages.ts";
import { sessionKey } from "../sessions/key.ts";
import { AsyncQueue } from "../util/queue.ts";
import { CLI_ADAPTER, CliChannel, type CliListener } from "./cli-channel.ts";

/** Longest message accepted from a terminal (the same bound as the chat page's). */
export const CHAT_MAX_TEXT = 16_000;
/** Longest client message id, as for the webhook and the chat page. */
export const CHAT_MAX_ID = 200;
/** A conversation of the cli channel (`bosun chat --session KEY`): no ":" (it separates the parts of a session key). */
export const CHAT_CONVERSATION_RE = /^[A-Za-z0-9._-]{1,64}$/;
export const CHAT_CONVERSATION_RULE = "1 to 64 letters, digits, '.', '_' or '-'";
/** Most stored messages one history read returns. */
export const CHAT_HISTORY_MAX = 200;

/**
 * What a terminal sees of one message it sent, in order: `accepted` once it is stored (it will be
 * answered, across a restart too), `started` when its turn runs, `delta` for each piece of
 * streamed text, `restart` when the text so far is void (a retry or a fallback model), then its
 * `reply`. A reply to an earlier message of the conversation that was waiting for a terminal (its
 * sender left before it came) arrives first, with that message's id in `replyTo`. `error`: the
 * message was refused (it was not stored, or its id names another message).
 */
export type ChatFrame =
  | { type: "accepted"; id: string }
  | { type: "started"; replyTo: string }
  | { type: "delta"; replyTo: string; text: string }
  | { type: "restart"; replyTo: string }
  | { type: "reply"; replyTo: string; text: string; error: ReplyError | null }
  | { type: "error"; code: string; message: string };

export interface ChatRequest {
  conversation: string;
  text: string;
  /** The client's id for the message; a repeated id gets the stored reply, never a second turn. */
  id?: string;
}

/** What the chat needs of the turn runtime. */
export interface ChatRuntime {
  inbound(adapter: string, delivery: InboundDelivery): Promise<boolean>;
  connected(adapter: string): void;
  cancel(key: string): boolean;
}

export interface CliChatOptions {
  /** The runtime (throws while the gateway is not ready). */
  runtime: () => ChatRuntime;
  /** A session's stored transcript, oldest first. */
  transcript: (key: string, limit: number) => Promise<TranscriptEntry[]>;
}

const usage = (message: string, hint: string) => new BosunError("bad_request", message, { exitCode: ExitCode.usage, hint });

/** Refuse a conversation id the cli channel does not take. */
export function checkConversation(conversation: unknown): string {
  if (typeof conversation !== "string" || !CHAT_CONVERSATION_RE.test(conversation)) {
    throw usage(`the session name must be ${CHAT_CONVERSATION_RULE}`, "e.g. bosun chat --session work");
  }
  return conversation;
}

/**
 * `bosun chat` in the gateway: each message goes to the turn runtime like any channel's (stored,
 * queued in its session `cli:CONVERSATION`, answered in order, its reply stored and delivered
 * from the outbox), and what the runtime says of it comes back as ChatFrames to the terminal
 * that sent it, while that terminal waits.
 */
export class CliChat {
  readonly channel = new CliChannel();
  constructor(private readonly o: CliChatOptions) {}

  /**
   * Send one message; its frames end with its reply (or when `signal` aborts: the turn goes on and
   * its reply waits for the next terminal on this conversation). Invalid input throws here, before
   * anything is stored.
   */
  say(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatFrame> {
    const conversation = checkConversation(req.conversation);
    const text = req.text;
    if (typeof text !== "string" || text.trim() === "") throw usage("the message is empty", "type something, or /help");
    if (text.length > CHAT_MAX_TEXT) throw usage(`the message is ${text.length} characters long; at most ${CHAT_MAX_TEXT} are sent`, "shorten it, or split it into several messages");
    if (req.id !== undefined && (typeof req.id !== "string" || req.id.length === 0 || req.id.length > CHAT_MAX_ID)) {
      throw usage(`the message id must be 1 to ${CHAT_MAX_ID} characters`, "leave it out and one is made up");
    }
    const runtime = this.o.runtime();
    const id = req.id ?? randomUUID();
    const frames = new AsyncQueue<ChatFrame>();
    let settled = false;
    const listener: CliListener = {
      progress(p) {
        if (p.phase === "started") frames.push({ type: "started", replyTo: p.replyTo });
        else if (p.phase === "text") frames.push({ type: "delta", replyTo: p.replyTo, text: p.text });
        else if (p.phase === "restarted") frames.push({ type: "restart", replyTo: p.replyTo });
      },
      reply(m) {
        frames.push({ type: "reply", replyTo: m.replyTo ?? "", text: m.text, error: m.error ?? null });
        if (m.replyTo === id) finish();
      },
    };
    const attached = this.channel.attach(conversation, listener);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      attached.detach();
      frames.end();
    };
    const fail = (code: string, message: string) => {
      frames.push({ type: "error", code, message });
      finish();
    };
    if (signal?.aborted) finish();
    signal?.addEventListener("abort", finish, { once: true });
    // A terminal is here now: replies that waited for one are delivered, in order, before this one.
    if (attached.first) runtime.connected(CLI_ADAPTER);
    let accepted = false;
    void runtime
      .inbound(CLI_ADAPTER, {
        message: { id, conversation, user: CLI_ADAPTER, text },
        accepted: () => {
          accepted = true;
          frames.push({ type: "accepted", id });
        },
        rejected: (r) => {
          settled = true;
          fail(r.code, r.message);
        },
      })
      .then(
        // Not new but stored: a repeated id (its stored reply was just resent here) or one already
        // being answered (its reply comes here). Not stored: nothing will answer it.
        () => {
          if (!accepted && !settled) fail("not_stored", "the gateway could not store the message, so it was not sent to the agent (see `bosun logs`)");
        },
        (err) => fail("not_stored", `the gateway could not take the message: ${err instanceof Error ? err.message : String(err)}`),
      );
    // A consumer that stops reading early (a closed connection) detaches too.
    return {
      [Symbol.asyncIterator]: () => {
        const it = frames[Symbol.asyncIterator]();
        return {
          next: () => it.next(),
          return: () => {
            finish();
            return it.return!();
          },
        };
      },
    };
  }

  /** Cancel the turn running in this conversation (its message gets a "Cancelled." reply); false when none runs. */
  cancel(conversation: string): boolean {
    return this.o.runtime().cancel(sessionKey(CLI_ADAPTER, checkConversation(conversation)));
  }

  /** The conversation's newest `limit` stored messages, oldest first. */
  history(conversation: string, limit = 20): Promise<TranscriptEntry[]> {
    const n = Math.max(1, Math.min(CHAT_HISTORY_MAX, Math.floor(Number.isFinite(limit) ? limit : 20)));
    return this.o.transcript(sessionKey(CLI_ADAPTER, checkConversation(conversation)), n);
  }
}
