import { AsyncQueue } from "../../util/queue.ts";
import type { Adapter, AdapterContext, AdapterEvent, OutboundMessage } from "../types.ts";
import { IrcConnection } from "./connection.ts";
import { stripFormatting, toInbound } from "./inbound.ts";
import type { IrcSpec } from "./options.ts";
import { isChannel, sameNick, type IrcMessage } from "./parse.ts";
import { serverText } from "./register.ts";

/** Bare protocol traffic is reported to the supervisor at most this often. */
const ACTIVITY_EVERY_MS = 1_000;
/** Upper bound of a probe; shorter when the keepalive interval is. */
const PROBE_TIMEOUT_MS = 5_000;
/** Join failures worth a warning: the user configured a channel the bot can't be in. */
const JOIN_ERRORS = new Set(["403", "405", "471", "473", "474", "475", "477"]);

/**
 * An adapter over one IRC connection (the `irc` and `twitch` kinds differ only in their spec).
 * `buildSpec` runs in `start`, so a config that can't work fails the start, visibly, not the factory.
 */
export function createIrcLikeAdapter(ctx: AdapterContext, kind: "irc" | "twitch", buildSpec: () => IrcSpec): Adapter {
  let conn: IrcConnection | null = null;
  let probeTimeoutMs = PROBE_TIMEOUT_MS;
  let queue: AsyncQueue<AdapterEvent> | null = null;
  let lastEventAt = 0;
  let lastActivity = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const notable = (msg: IrcMessage, c: IrcConnection) => {
    const p = msg.params;
    if (msg.command === "KICK" && p[1] && sameNick(p[1], c.nick)) ctx.log.warn(`kicked from ${p[0]} by ${msg.prefix?.nick ?? "?"}: ${serverText(p[2])}`);
    else if (JOIN_ERRORS.has(msg.command)) ctx.log.warn(`cannot join ${p[1] ?? "?"}: ${serverText(p[p.length - 1])} (${msg.command})`);
    else if (kind === "twitch" && msg.command === "NOTICE" && msg.tags["msg-id"]) ctx.log.info(`twitch notice in ${p[0] ?? "?"}: ${serverText(p[p.length - 1])}`);
  };

  return {
    name: ctx.name,
    kind,
    get lastEventAt() {
      return lastEventAt;
    },
    async start(signal: AbortSignal) {
      if (stopped) throw new Error("the adapter was shut down");
      if (conn) throw new Error("an adapter object serves one connection; create a new one to reconnect");
      const spec = buildSpec();
      probeTimeoutMs = Math.min(PROBE_TIMEOUT_MS, spec.options.pingIntervalMs);
      const q = new AsyncQueue<AdapterEvent>();
      queue = q;
      const c: IrcConnection = new IrcConnection(
        spec.options,
        {
          onTraffic() {
            lastEventAt = ctx.clock.now();
          },
          onMessage(msg) {
            if (kind === "twitch" && msg.command === "RECONNECT") return c.fail(new Error("server asked to reconnect"));
            const message = toInbound(msg, c.nick, spec.rule);
            if (message) return q.push({ type: "message", message });
            notable(msg, c);
            const now = ctx.clock.now();
            if (now - lastActivity >= ACTIVITY_EVERY_MS) {
              lastActivity = now;
              q.push({ type: "activity" });
            }
          },
          onClose(error) {
            // The supervisor logs the reason with its retry plan; this is the protocol-level detail.
            if (error) ctx.log.debug(`${spec.options.host}:${spec.options.port}: ${error.message}`);
            q.end(error ?? undefined);
          },
        },
        ctx.log,
        ctx.clock,
      );
      conn = c;
      try {
        await c.open(signal);
      } catch (err) {
        q.end();
        throw err;
      }
      const { host, port, channels } = spec.options;
      ctx.log.info(`connected to ${host}:${port} as ${c.nick}${channels.length ? `, joining ${channels.join(" ")}` : ""}`);
      return q;
    },
    async send(message: OutboundMessage) {
      if (!conn) throw new Error("the adapter is not started");
      await conn.privmsg(message.conversation, message.text);
    },
    async shutdown() {
      stopped = true;
      await conn?.close();
      queue?.end();
    },
    async probe() {
      return conn ? conn.ping(probeTimeoutMs) : false;
    },
    // A channel is titled by its topic (asked with TOPIC); a private conversation is the nick itself.
    // Twitch answers no TOPIC (an unknown command there): its channels are their own names.
    async describe(conversation: string, _thread: string | undefined, signal: AbortSignal) {
      if (kind === "twitch") return null;
      if (!isChannel(conversation)) return { title: conversation };
      const topic = conn ? serverText(stripFormatting((await conn.topic(conversation, signal)) ?? "")) : "";
      return topic ? { title: topic } : null;
    },
  };
}
