import { errorMessage } from "../../errors.ts";
import { RetryLaterError, UndeliverableError } from "../../messages.ts";
import { AsyncQueue } from "../../util/queue.ts";
import { splitOnBoundaries } from "../../util/split.ts";
import type { Adapter, AdapterContext, AdapterEvent, AdapterFactory, OutboundMessage } from "../types.ts";
import { AUTH_ERRORS, SlackApi, SlackApiError, SlackAuthError, SlackRateLimitError } from "./api.ts";
import type { SlackAdapterConfig } from "./kind.ts";
import { channelTitle, RecentKeys, toInbound, type Self } from "./map.ts";
import { SocketMode } from "./socket.ts";

export { SlackApiError, SlackAuthError, SlackNetworkError, SlackRateLimitError } from "./api.ts";

/** Slack's guide: keep a message's text at most 4,000 characters (it truncates far past that). */
export const SLACK_MAX_TEXT = 4000;
const REQUEST_TIMEOUT_MS = 30_000;
const PROBE_TIMEOUT_MS = 5_000;
/** chat.postMessage tries per chunk when Slack answers 429; longer waits are left to the outbox. */
const SEND_ATTEMPTS = 3;
const SEND_RETRY_CAP_MS = 30_000;

/**
 * chat.postMessage errors a retry cannot fix (besides the token errors): the reply is given up
 * on at once. Anything else (internal_error, fatal_error, service_unavailable, request_timeout,
 * codes Slack adds later) is retried by the outbox within its bounds.
 */
const UNDELIVERABLE = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "msg_too_long",
  "no_text",
  "invalid_arguments",
  "invalid_arg_name",
  "invalid_blocks",
  "invalid_charset",
  "invalid_form_data",
  "too_many_attachments",
  "restricted_action",
  "restricted_action_read_only_channel",
  "restricted_action_thread_only_channel",
  "restricted_action_non_threadable_channel",
  "restricted_action_thread_locked",
  "cannot_reply_to_message",
  "messages_tab_disabled",
  "as_user_not_supported",
  "access_denied",
  "user_not_found",
  "channel_is_archived",
  "method_deprecated",
  "deprecated_endpoint",
]);

/**
 * The Slack adapter (Socket Mode). `start` checks the bot token with auth.test and opens the
 * first connection; a refused token of either kind rejects with a SlackAuthError (`failed`, no
 * retry storm). Events are acked on arrival and de-duplicated on event_id (and message id: a
 * mention comes as `message` and `app_mention`); the gateway's inbox dedupes on the message id
 * ("channel:ts") across restarts.
 */
export const createSlackAdapter: AdapterFactory<SlackAdapterConfig> = (ctx: AdapterContext<SlackAdapterConfig>): Adapter => {
  const { config } = ctx;
  const api = new SlackApi(config.api_root, [config.app_token, config.bot_token], () => ctx.clock.now());
  const stop = new AbortController();
  const events = new RecentKeys();
  const messages = new RecentKeys();
  let queue: AsyncQueue<AdapterEvent> | null = null;
  let socket: SocketMode | null = null;
  let started = false;
  let lastEventAt = 0;
  let self: Self = {};
  const touch = () => {
    lastEventAt = ctx.clock.now();
  };

  async function authCall(method: string, token: string, which: string): Promise<Record<string, unknown>> {
    try {
      return await api.call(method, token, {}, { timeoutMs: REQUEST_TIMEOUT_MS, signal: stop.signal });
    } catch (err) {
      if (stop.signal.aborted) throw new Error("slack start aborted");
      if (err instanceof SlackApiError && AUTH_ERRORS.has(err.code)) throw new SlackAuthError(`${which} rejected by ${method}: ${err.code}`);
      throw err;
    }
  }

  async function postChunk(params: Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await api.call("chat.postMessage", config.bot_token, params, { timeoutMs: REQUEST_TIMEOUT_MS });
        return;
      } catch (err) {
        // A wait longer than a send may hold goes to the outbox, which waits it out (within its cap).
        if (err instanceof SlackRateLimitError && (err.retryAfterMs > SEND_RETRY_CAP_MS || attempt >= SEND_ATTEMPTS)) throw new RetryLaterError(err.message, err.retryAfterMs);
        if (!(err instanceof SlackRateLimitError) || stop.signal.aborted) throw err;
        const wait = Math.max(1000, err.retryAfterMs);
        ctx.log.warn(`Slack rate limit on chat.postMessage; retrying in ${Math.ceil(wait / 1000)} s`);
        await ctx.clock.sleep(wait, stop.signal);
        if (stop.signal.aborted) throw new Error("the slack adapter stopped before the message could be sent");
      }
    }
  }

  const adapter: Adapter = {
    name: ctx.name,
    kind: "slack",
    get lastEventAt() {
      return lastEventAt;
    },

    async start(signal: AbortSignal) {
      if (started) throw new Error("a slack adapter object starts once; the supervisor builds a new one per attempt");
      started = true;
      if (signal.aborted || stop.signal.aborted) throw new Error("slack start aborted");
      signal.addEventListener("abort", () => void adapter.shutdown(), { once: true });
      const me = await authCall("auth.test", config.bot_token, "bot_token");
      self = { userId: typeof me.user_id === "string" ? me.user_id : undefined, botId: typeof me.bot_id === "string" ? me.bot_id : undefined };
      touch();
      const q = new AsyncQueue<AdapterEvent>();
      const s = new SocketMode({
        clock: ctx.clock,
        log: ctx.log,
        openUrl: async () => {
          const body = await authCall("apps.connections.open", config.app_token, "app_token");
          if (typeof body.url !== "string") throw new Error("apps.connections.open returned no url");
          return body.url;
        },
        onTraffic: touch,
        onEnvelope: (frame) => {
          if (frame.eventId && events.seen(frame.eventId)) {
            ctx.log.debug(`slack: event ${frame.eventId} delivered again; ignored`);
            return;
          }
          const message = frame.event ? toInbound(frame.event, self) : undefined;
          if (!message || messages.seen(message.id)) return;
          q.push({ type: "message", message });
        },
        onEnd: (err) => {
          if (err !== undefined) ctx.log.debug(`slack: Socket Mode ended: ${errorMessage(err)}`);
          q.end(err);
        },
      });
      socket = s;
      try {
        await s.connect();
      } catch (err) {
        s.close();
        if (stop.signal.aborted) throw new Error("slack start aborted");
        throw err;
      }
      queue = q;
      q.push({ type: "activity" });
      const team = typeof me.team === "string" ? ` (${me.team.slice(0, 100)})` : "";
      ctx.log.info(`slack connected as ${typeof me.user === "string" ? me.user.slice(0, 100) : (self.userId ?? "a bot")}${team}`);
      return q;
    },

    async send(message: OutboundMessage) {
      const chunks = splitOnBoundaries(message.text, SLACK_MAX_TEXT);
      if (chunks.length === 0) throw new UndeliverableError("cannot send an empty message to Slack");
      for (const text of chunks) {
        const params: Record<string, unknown> = { channel: message.conversation, text };
        if (message.thread) params.thread_ts = message.thread;
        try {
          await postChunk(params);
        } catch (err) {
          if (err instanceof SlackApiError && AUTH_ERRORS.has(err.code)) {
            // The bot token stopped working: the reply cannot go out, and the adapter shows failed with why.
            queue?.end(new SlackAuthError(`bot_token rejected by chat.postMessage: ${err.code}`));
            throw new UndeliverableError(err.message);
          }
          if (err instanceof SlackApiError && UNDELIVERABLE.has(err.code)) throw new UndeliverableError(err.message);
          throw err;
        }
        touch();
      }
    },

    // Session titles: one conversations.info per lookup, bounded by the listing's deadline.
    async describe(conversation: string, _thread: string | undefined, signal: AbortSignal) {
      const body = await api.call("conversations.info", config.bot_token, { channel: conversation }, { timeoutMs: REQUEST_TIMEOUT_MS, signal: AbortSignal.any([signal, stop.signal]) });
      const title = channelTitle(body);
      return title ? { title } : null;
    },

    stopIntake() {
      // Events from now on are not acked: Slack delivers them again to the next connection.
      if (socket) socket.acking = false;
    },

    async shutdown() {
      stop.abort();
      socket?.close();
      queue?.end();
    },

    async probe() {
      if (!socket || !queue || queue.ended || stop.signal.aborted) return false;
      return socket.ping(PROBE_TIMEOUT_MS);
    },
  };
  return adapter;
};
