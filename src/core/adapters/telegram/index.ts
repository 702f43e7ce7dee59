import { errorMessage } from "../../errors.ts";
import { UndeliverableError } from "../../messages.ts";
import { AsyncQueue } from "../../util/queue.ts";
import type { VoiceNote } from "../../voice/types.ts";
import type { Adapter, AdapterContext, AdapterEvent, AdapterFactory, OutboundMessage, TurnProgress } from "../types.ts";
import { TelegramApi, TelegramApiError, TelegramAuthError } from "./api.ts";
import { fetchTelegramAudio } from "./audio.ts";
import type { TelegramAdapterConfig } from "./kind.ts";
import { chatTitle, parseMessageId } from "./map.ts";
import { readOffset } from "./offset.ts";
import { runPoller } from "./poller.ts";
import { splitText } from "./split.ts";
import { TypingIndicator } from "./typing.ts";
import { parseUser } from "./wire.ts";

export { TelegramApiError, TelegramAuthError, TelegramNetworkError, redactToken } from "./api.ts";
export { splitText, TELEGRAM_MAX_TEXT } from "./split.ts";

/** Deadline of ordinary API calls (getMe at start, sendMessage). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Deadline of the getMe a probe falls back to. */
const PROBE_TIMEOUT_MS = 5_000;
/** A poll younger than poll_timeout_s + this proves the connection alive without a request. */
const PROBE_FRESH_GRACE_S = 15;
/** sendMessage tries per chunk when Telegram answers 429; waits longer than the cap are not waited out. */
const SEND_ATTEMPTS = 3;
const SEND_RETRY_CAP_S = 30;
/** Deadline of a voice note's upload (sendVoice). */
const UPLOAD_TIMEOUT_MS = 60_000;

/**
 * The Telegram adapter (Bot API, long polling). `start` validates the token with getMe; a 401
 * rejects with a TelegramAuthError (a TerminalError, message "token rejected (401 Unauthorized)").
 * The update offset lives in the state file and moves only when the gateway accepts a message.
 */
export const createTelegramAdapter: AdapterFactory<TelegramAdapterConfig> = (ctx: AdapterContext<TelegramAdapterConfig>): Adapter => {
  const { config } = ctx;
  const api = new TelegramApi(config.api_root, config.token);
  const stop = new AbortController();
  /** Aborted by stopIntake: the long poll ends, nothing new is fetched; sends go on until shutdown. */
  const intake = new AbortController();
  let queue: AsyncQueue<AdapterEvent> | null = null;
  let loop: Promise<void> | null = null;
  let started = false;
  let lastEventAt = 0;
  let lastPollAt = 0;
  const touch = () => {
    lastEventAt = ctx.clock.now();
  };
  const chatIdOf = (conversation: string) => (/^-?\d+$/.test(conversation) ? Number(conversation) : conversation);
  const threadIdOf = (thread: string | undefined) => (thread && /^\d+$/.test(thread) ? Number(thread) : undefined);
  const typing = new TypingIndicator({
    clock: ctx.clock,
    log: ctx.log,
    signal: stop.signal,
    send: (params, timeoutMs) => api.call("sendChatAction", params, { timeoutMs, signal: stop.signal }),
  });

  /**
   * One send of a reply (a text chunk, a voice note), as every send is done: a 429 is waited out
   * (retry_after, up to the cap, a few times); a refusal that a retry cannot change (400: no such
   * chat, a malformed message; 403: blocked, kicked) is an UndeliverableError; the rest as thrown.
   */
  /** One send with its 429 retries; `signal` (besides the adapter's stop) ends the retry wait. */
  async function sendOnce(method: string, call: () => Promise<unknown>, signal: AbortSignal = stop.signal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await call();
        return;
      } catch (err) {
        const wait = err instanceof TelegramApiError && err.status === 429 ? Math.max(1, err.retryAfterS ?? 1) : undefined;
        if (wait === undefined || attempt >= SEND_ATTEMPTS || wait > SEND_RETRY_CAP_S || signal.aborted) {
          if (err instanceof TelegramApiError && (err.status === 400 || err.status === 403)) throw new UndeliverableError(err.message);
          throw err;
        }
        ctx.log.warn(`Telegram rate limit on ${method}; retrying in ${wait} s`);
        await ctx.clock.sleep(wait * 1000, signal);
        if (stop.signal.aborted) throw new Error("the telegram adapter stopped before the message could be sent");
        if (signal.aborted) throw new Error(`${method} was given up on before it could be sent`);
      }
    }
  }

  /** Where a reply goes: its chat, its topic, and the message it answers (quoted when it is in that chat). */
  function target(message: OutboundMessage): Record<string, unknown> {
    const params: Record<string, unknown> = { chat_id: chatIdOf(message.conversation) };
    const threadId = threadIdOf(message.thread);
    if (threadId !== undefined) params.message_thread_id = threadId;
    const replyTo = message.replyTo ? parseMessageId(message.replyTo) : undefined;
    // A deleted original must not make the reply fail.
    if (replyTo && String(replyTo.chatId) === message.conversation) params.reply_parameters = { message_id: replyTo.messageId, allow_sending_without_reply: true };
    return params;
  }

  const adapter: Adapter = {
    name: ctx.name,
    kind: "telegram",
    get lastEventAt() {
      return lastEventAt;
    },

    async start(signal: AbortSignal) {
      if (started) throw new Error("a telegram adapter object starts once; the supervisor builds a new one per attempt");
      started = true;
      if (signal.aborted || stop.signal.aborted) throw new Error("telegram start aborted");
      signal.addEventListener("abort", () => void adapter.shutdown(), { once: true });
      let me: unknown;
      try {
        me = await api.call("getMe", {}, { timeoutMs: REQUEST_TIMEOUT_MS, signal: stop.signal });
      } catch (err) {
        if (stop.signal.aborted) throw new Error("telegram start aborted");
        if (err instanceof TelegramApiError && err.status === 401) throw new TelegramAuthError();
        throw err;
      }
      const user = parseUser(me);
      if (!user) throw new Error("Telegram API getMe returned something that is not a User");
      // getMe was a completed round trip: it counts as a poll for the probe until the first one returns.
      lastPollAt = ctx.clock.now();
      touch();
      ctx.log.info(`telegram connected as ${user.username ? `@${user.username}` : user.first_name}`);
      const q = new AsyncQueue<AdapterEvent>();
      queue = q;
      loop = runPoller({
        api,
        stateFile: ctx.stateFile,
        offset: readOffset(ctx.stateFile),
        pollTimeoutS: config.poll_timeout_s,
        // Ended by stopIntake too: no update is fetched while the turns of a stop finish.
        signal: AbortSignal.any([stop.signal, intake.signal]),
        queue: q,
        log: ctx.log,
        clock: ctx.clock,
        onPoll: () => {
          lastPollAt = ctx.clock.now();
          touch();
        },
      }).then(
        // A long poll ended for a stop's drain is not a lost connection: the stream stays open until shutdown.
        () => (intake.signal.aborted && !stop.signal.aborted ? undefined : q.end()),
        (err: unknown) => {
          ctx.log.debug(`telegram polling ended: ${errorMessage(err)}`);
          q.end(err);
        },
      );
      return q;
    },

    async send(message: OutboundMessage) {
      const chunks = splitText(message.text);
      if (chunks.length === 0) throw new Error("cannot send an empty message to Telegram");
      const { reply_parameters, ...where } = target(message);
      for (const [i, text] of chunks.entries()) {
        // Only the first chunk quotes the question.
        const params = { ...where, text, ...(i === 0 && reply_parameters ? { reply_parameters } : {}) };
        await sendOnce("sendMessage", () => api.call("sendMessage", params, { timeoutMs: REQUEST_TIMEOUT_MS }));
        touch();
      }
    },

    // A spoken reply: the OGG/Opus voice note uploaded with sendVoice, quoting the message it answers like the text did.
    // Given up on when `signal` aborts (the reply's voice deadline) or the adapter stops: the upload is cut, no retry waits.
    async sendVoice(message: OutboundMessage, note: VoiceNote, signal?: AbortSignal) {
      const params = { ...target(message), duration: Math.max(1, Math.ceil(note.durationMs / 1000)) };
      const file = { field: "voice", name: "reply.ogg", type: "audio/ogg", bytes: note.bytes };
      const until = signal ? AbortSignal.any([stop.signal, signal]) : stop.signal;
      await sendOnce("sendVoice", () => api.upload("sendVoice", params, file, { timeoutMs: UPLOAD_TIMEOUT_MS, signal: until }), until);
      touch();
    },

    // Telegram has no streaming of a message's text: a running turn shows as "typing…" only.
    progress(p: TurnProgress) {
      try {
        if (!started) return;
        if (p.phase === "started") typing.start(chatIdOf(p.conversation), threadIdOf(p.thread), p.replyTo);
        else if (p.phase === "ended") typing.end(chatIdOf(p.conversation), threadIdOf(p.thread), p.replyTo);
      } catch (err) {
        ctx.log.debug(`telegram: progress not shown: ${errorMessage(err)}`);
      }
    },

    // Session titles: one getChat per lookup, bounded by the listing's deadline (its signal).
    async describe(conversation: string, _thread: string | undefined, signal: AbortSignal) {
      const chat = await api.call("getChat", { chat_id: chatIdOf(conversation) }, { timeoutMs: REQUEST_TIMEOUT_MS, signal: AbortSignal.any([signal, stop.signal]) });
      const title = chatTitle(chat);
      return title ? { title } : null;
    },

    // Voice messages: fetched when their turn comes (also after a restart), bounded by the turn's signal.
    fetchAudio(ref: string, maxBytes: number, signal: AbortSignal) {
      return fetchTelegramAudio(api, ref, maxBytes, AbortSignal.any([signal, stop.signal]));
    },

    stopIntake() {
      intake.abort();
    },

    async shutdown() {
      typing.stop();
      stop.abort();
      queue?.end();
      await loop;
    },

    async probe() {
      if (!queue || queue.ended || stop.signal.aborted) return false;
      if (ctx.clock.now() - lastPollAt <= (config.poll_timeout_s + PROBE_FRESH_GRACE_S) * 1000) return true;
      try {
        await api.call("getMe", {}, { timeoutMs: PROBE_TIMEOUT_MS, signal: stop.signal });
        touch();
        return true;
      } catch {
        return false;
      }
    },
  };
  return adapter;
};
