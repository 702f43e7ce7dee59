import { createHash, randomBytes } from "node:crypto";
import { DiscordAPIError, RateLimitError, REST, type RequestData } from "@discordjs/rest";
import { WebSocketManager, WebSocketShardEvents, WebSocketShardStatus } from "@discordjs/ws";
import type { GatewayIntentBits } from "discord-api-types/v10";
import { errorMessage } from "../../errors.ts";
import { RetryLaterError, UndeliverableError } from "../../messages.ts";
import { AsyncQueue } from "../../util/queue.ts";
import { Redactor } from "../../util/redact.ts";
import { splitOnBoundaries } from "../../util/split.ts";
import { TerminalError } from "../errors.ts";
import type { Adapter, AdapterContext, AdapterEvent, AdapterFactory, OutboundMessage } from "../types.ts";
import type { DiscordAdapterConfig } from "./kind.ts";
import { shouldAnswer, toInbound } from "./map.ts";
import { guardShards } from "./guard.ts";
import { SessionStore } from "./session.ts";
import { type DcChannel, type DcUser, guildName, parseChannel, parseMessage, parseUser, readyUser, THREAD_CHANNEL_TYPES } from "./wire.ts";

/** Longest message content Discord accepts. */
export const DISCORD_MAX_TEXT = 2000;
/** GUILD_MESSAGES (1<<9) | DIRECT_MESSAGES (1<<12) | MESSAGE_CONTENT (1<<15, privileged). */
export const DISCORD_INTENTS = 37376;
/** Close codes after which reconnecting cannot help (auth, sharding, version, intents). */
const FATAL_CLOSE_CODES: ReadonlyMap<number, string> = new Map([
  [4004, "token rejected by the Discord gateway (close code 4004: authentication failed)"],
  [4010, "Discord gateway refused the shard (close code 4010: invalid shard)"],
  [4011, "Discord gateway requires sharding (close code 4011)"],
  [4012, "Discord gateway refused the API version (close code 4012)"],
  [4013, "Discord gateway refused the intents (close code 4013: invalid intents)"],
  [4014, "Discord gateway refused the intents (close code 4014: disallowed intents; enable the Message Content intent in the Developer Portal)"],
]);
/**
 * A lost connection gets one reconnect of the library's own (a resume after op 7 or a zombie
 * heartbeat takes one); a second close before the session is back ends the stream, so an outage
 * is retried with the supervisor's backoff, not the library's 500 ms loop.
 */
const CLOSES_BEFORE_GIVING_UP = 2;
/** A reconnect that has not brought the session back by then ends the stream too. */
const RECONNECT_DEADLINE_MS = 30_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** The longest rate-limit wait a send waits out itself (longer ones go back to the outbox). */
const RATE_LIMIT_WAIT_MS = 30_000;

/** A nonce Discord de-duplicates a send on (enforce_nonce): the same reply chunk always gets the same one. */
export function replyNonce(replyTo: string | undefined, chunk: number): string {
  if (!replyTo) return randomBytes(12).toString("base64url");
  return createHash("sha256").update(`${replyTo}\0${chunk}`).digest("base64url").slice(0, 25);
}

/**
 * The Discord adapter: Gateway v10 through @discordjs/ws (heartbeats, zombie detection, resume
 * on op 7 and reconnectable closes) and REST through @discordjs/rest (rate-limit buckets, 429
 * retry_after). The library reconnects by itself once; the supervisor owns anything longer.
 * Sessions are kept in the state file, so the next start resumes and gets what was missed.
 */
export const createDiscordAdapter: AdapterFactory<DiscordAdapterConfig> = (ctx: AdapterContext<DiscordAdapterConfig>): Adapter => {
  const { config, log } = ctx;
  const redactor = new Redactor();
  redactor.set([config.token]);
  // A rate limit longer than RATE_LIMIT_WAIT_MS is not waited out inside the library (a hostile or
  // broken retry_after of 1e9 froze a channel's replies until a restart): the send fails with it,
  // and the outbox waits it out within its own cap while other channels go on.
  const rest = new REST({ version: "10", api: config.api_root.replace(/\/+$/, ""), timeout: REQUEST_TIMEOUT_MS, rejectOnRateLimit: (r) => r.retryAfter > RATE_LIMIT_WAIT_MS }).setToken(config.token);
  rest.on("rateLimited", (info) => log.warn(`Discord rate limit on ${info.method} ${info.route}; retrying in ${Math.ceil(info.retryAfter / 100) / 10} s`));
  const sessions = new SessionStore(ctx.stateFile, ctx.clock, (err) => log.warn(`could not store the Discord session: ${errorMessage(err)}`));
  const channels = new Map<string, Promise<DcChannel | undefined>>();
  let manager: WebSocketManager | null = null;
  let queue: AsyncQueue<AdapterEvent> | null = null;
  let started = false;
  let stopped = false;
  let intakeStopped = false;
  let me: DcUser | undefined;
  let lastEventAt = 0;
  let lastAckAt = 0;
  let lastClose: number | undefined;
  let closesSinceReady = 0;
  let cancelDeadline = () => {};
  /** Messages are handled one after another: a thread lookup must not let a later message overtake. */
  let chain: Promise<void> = Promise.resolve();
  let failStart: (err: Error) => void = () => {};
  const touch = () => {
    lastEventAt = ctx.clock.now();
  };
  const redact = (text: string) => redactor.apply(text);

  /** The connection is over for this adapter object: the stream ends with `err` (and start rejects). */
  function fail(err: Error): void {
    if (stopped || !queue || queue.ended) return failStart(err);
    cancelDeadline();
    log.debug(`discord: connection ended: ${err.message}`);
    queue.end(err);
    failStart(err);
  }

  async function api<T>(method: "get" | "post", route: `/${string}`, data?: RequestData): Promise<T> {
    try {
      return (await rest[method](route, data)) as T;
    } catch (err) {
      if (err instanceof DiscordAPIError && err.status === 401) throw new TerminalError("token rejected (401 Unauthorized)");
      if (err instanceof Error) err.message = redact(err.message);
      throw err;
    }
  }

  function channel(id: string, signal?: AbortSignal): Promise<DcChannel | undefined> {
    let known = channels.get(id);
    if (!known) {
      known = api<unknown>("get", `/channels/${id}`, { signal }).then(parseChannel, (err: unknown) => {
        channels.delete(id);
        log.debug(`discord: channel ${id} not looked up: ${errorMessage(err)}`);
        return undefined;
      });
      channels.set(id, known);
    }
    return known;
  }

  function onDispatch(payload: { t?: unknown; s?: unknown; d?: unknown }, shardId: number): void {
    touch();
    if (payload.t !== "MESSAGE_CREATE" || !me || !queue) return;
    const m = parseMessage(payload.d);
    if (!m || !shouldAnswer(m, me.id, config.respond)) return;
    // Until accepted, the stored session sequence stays before this message (see SessionStore).
    const release = typeof payload.s === "number" ? sessions.hold(shardId, payload.s) : () => {};
    const botId = me.id;
    const q = queue;
    chain = chain.then(async () => {
      // Whether a guild channel is a thread (and whose): from channel_type when Discord sends it, else one cached lookup.
      const mayBeThread = m.guild_id !== undefined && (m.channel_type === undefined || THREAD_CHANNEL_TYPES.has(m.channel_type));
      const message = toInbound(m, botId, mayBeThread ? await channel(m.channel_id) : undefined);
      if (!message) return release();
      // Stopping: not handed on and still held, so the next start's resume brings it back.
      if (intakeStopped || q.ended) return;
      q.push({ type: "message", message, accepted: release });
    });
  }

  function onClosed(code: number): void {
    if (stopped) {
      // The library may be between a close and its own reconnect: stop that one too.
      void Promise.resolve(manager?.destroy({ code: 4200, reason: "stopping" })).catch(() => {});
      return;
    }
    lastClose = code;
    const fatal = FATAL_CLOSE_CODES.get(code);
    if (fatal) return fail(new TerminalError(fatal));
    closesSinceReady++;
    log.debug(`discord: gateway connection closed (code ${code}); the library reconnects`);
    if (closesSinceReady >= CLOSES_BEFORE_GIVING_UP) return fail(new Error(`Discord gateway connection lost (close code ${code})`));
    cancelDeadline();
    cancelDeadline = ctx.clock.after(RECONNECT_DEADLINE_MS, () => fail(new Error(`Discord gateway did not come back within ${RECONNECT_DEADLINE_MS / 1000} s (last close code ${code})`)));
  }

  function onBack(): void {
    closesSinceReady = 0;
    cancelDeadline();
    touch();
    lastAckAt = ctx.clock.now();
    queue?.push({ type: "activity" });
  }

  const adapter: Adapter = {
    name: ctx.name,
    kind: "discord",
    get lastEventAt() {
      return lastEventAt;
    },

    async start(signal: AbortSignal) {
      if (started) throw new Error("a discord adapter object starts once; the supervisor builds a new one per attempt");
      started = true;
      if (signal.aborted || stopped) throw new Error("discord start aborted");
      signal.addEventListener("abort", () => void adapter.shutdown(), { once: true });
      // Who we are, before any dispatch: a resumed session gets no READY to say it.
      try {
        me = parseUser(await api<unknown>("get", "/users/@me"));
      } catch (err) {
        if (err instanceof TerminalError) throw err;
        throw new Error(redact(errorMessage(err)));
      }
      if (!me) throw new Error("Discord API GET /users/@me returned something that is not a user");
      if (stopped) throw new Error("discord start aborted");
      const q = new AsyncQueue<AdapterEvent>();
      queue = q;
      const failed = new Promise<never>((_, reject) => {
        failStart = reject;
      });
      failed.catch(() => {});
      const m = new WebSocketManager({
        token: config.token,
        // The option is typed as one flag; Discord takes their sum.
        intents: DISCORD_INTENTS as GatewayIntentBits,
        rest,
        compression: null,
        identifyProperties: { os: process.platform, browser: "bosun", device: "bosun" },
        // Once stopped, a reconnect the library had already scheduled waits here forever: @discordjs/ws
        // has no way to cancel it, and a destroy between its close and its retry does nothing.
        retrieveSessionInfo: (shardId) => (stopped ? new Promise<never>(() => {}) : sessions.get(shardId)),
        updateSessionInfo: (shardId, info) => sessions.set(shardId, info),
      });
      manager = m;
      // Frames the library would crash on are dropped or caught (guard.ts); each one is said once in the log.
      const unguard = guardShards((problem) => log.warn(problem));
      signal.addEventListener("abort", unguard, { once: true });
      m.on(WebSocketShardEvents.Dispatch, (payload, shardId) => onDispatch(payload, shardId));
      m.on(WebSocketShardEvents.Ready, (data, shardId) => {
        me = readyUser(data) ?? me;
        onBack();
        log.info(`discord connected as ${me ? `@${me.username}` : "an unnamed bot"} (shard ${shardId})`);
      });
      m.on(WebSocketShardEvents.Resumed, (shardId) => {
        onBack();
        log.debug(`discord: session resumed (shard ${shardId})`);
      });
      m.on(WebSocketShardEvents.HeartbeatComplete, ({ ackAt }) => {
        lastAckAt = ctx.clock.now();
        touch();
        void ackAt;
      });
      m.on(WebSocketShardEvents.Hello, () => {
        if (stopped) void Promise.resolve(m.destroy({ code: 4200, reason: "stopping" })).catch(() => {});
      });
      m.on(WebSocketShardEvents.Closed, (code) => onClosed(code));
      m.on(WebSocketShardEvents.Error, (err) => {
        const fatal = lastClose !== undefined ? FATAL_CLOSE_CODES.get(lastClose) : undefined;
        fail(fatal ? new TerminalError(fatal) : new Error(`Discord gateway: ${redact(errorMessage(err))}`));
      });
      m.on(WebSocketShardEvents.SocketError, (err) => log.debug(`discord: socket error: ${redact(errorMessage(err))}`));
      m.on(WebSocketShardEvents.Debug, (text) => log.trace?.(`discord: ${redact(text)}`));
      try {
        await Promise.race([m.connect(), failed]);
      } catch (err) {
        await adapter.shutdown();
        if (err instanceof TerminalError) throw err;
        if (err instanceof DiscordAPIError && err.status === 401) throw new TerminalError("token rejected (401 Unauthorized)");
        const fatal = lastClose !== undefined ? FATAL_CLOSE_CODES.get(lastClose) : undefined;
        if (fatal) throw new TerminalError(fatal);
        throw new Error(redact(errorMessage(err)));
      }
      if (stopped) throw new Error("discord start aborted");
      if (q.ended) throw new Error("the Discord gateway connection ended while starting");
      touch();
      return q;
    },

    async send(message: OutboundMessage) {
      const chunks = splitOnBoundaries(message.text, DISCORD_MAX_TEXT);
      if (chunks.length === 0) throw new Error("cannot send an empty message to Discord");
      const target = message.thread ?? message.conversation;
      if (!/^\d{1,20}$/.test(target)) throw new UndeliverableError(`"${target}" is not a Discord channel id`);
      const replyTo = message.replyTo && /^\d{1,20}$/.test(message.replyTo) ? message.replyTo : undefined;
      for (const [i, content] of chunks.entries()) {
        const body: Record<string, unknown> = {
          content,
          // A reply quoting "@everyone" or a role must not ping a whole server.
          allowed_mentions: { parse: [], replied_user: true },
          nonce: replyNonce(message.replyTo, i),
          // A retry of this chunk after a crash is refused by Discord instead of posted twice.
          enforce_nonce: true,
        };
        if (i === 0 && replyTo) body.message_reference = { message_id: replyTo, channel_id: target, fail_if_not_exists: false };
        try {
          await api("post", `/channels/${target}/messages`, { body });
        } catch (err) {
          // 400 (malformed, unknown reference), 403 (no access), 404 (no such channel) will not change on a retry.
          if (err instanceof DiscordAPIError && [400, 403, 404].includes(err.status)) throw new UndeliverableError(redact(err.message));
          if (err instanceof RateLimitError) throw new RetryLaterError(`rate limited on ${err.route} for ${Math.round(err.retryAfter / 1000)} s`, err.retryAfter);
          throw err;
        }
        touch();
      }
    },

    async describe(conversation: string, thread: string | undefined, signal: AbortSignal) {
      const ch = await channel(conversation, signal);
      if (!ch) return null;
      const th = thread ? await channel(thread, signal) : undefined;
      if (ch.type === 1 || ch.type === 3) {
        const who = ch.recipients.map((r) => r.global_name || r.username).join(", ");
        return who ? { title: who } : ch.name ? { title: ch.name } : null;
      }
      const guild = ch.guild_id ? guildName(await api<unknown>("get", `/guilds/${ch.guild_id}`, { signal }).catch(() => undefined)) : undefined;
      const name = [guild, ch.name ? `#${ch.name}` : undefined].filter(Boolean).join(" ");
      const title = th?.name ? `${name} › ${th.name}` : name;
      return title ? { title } : null;
    },

    stopIntake() {
      intakeStopped = true;
    },

    async shutdown() {
      if (stopped) return;
      stopped = true;
      cancelDeadline();
      sessions.freeze();
      queue?.end();
      // 4200, not 1000: a normal close would end the session the next start resumes.
      await Promise.resolve(manager?.destroy({ code: 4200, reason: "stopping" })).catch(() => {});
    },

    async probe() {
      if (!manager || !queue || queue.ended || stopped) return false;
      const status = await manager.fetchStatus();
      if ([...status.values()].some((s) => s !== WebSocketShardStatus.Ready)) return false;
      // Heartbeats are ACKed every ~41 s; none within the stale window is a dead connection the library missed.
      return ctx.clock.now() - lastAckAt < config.stale_after_ms;
    },
  };
  return adapter;
};
