import type { InboundMessage } from "../types.ts";

/**
 * What bosun reads of Socket Mode frames and Events API payloads (docs.slack.dev "Using Socket
 * Mode"). Everything from the socket is checked here before any other module touches it.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** One Socket Mode frame, as far as the client acts on it. */
export type Frame =
  | { type: "hello" }
  | { type: "disconnect"; reason: string }
  /** Anything with an envelope_id: acked at once, whatever it carries. */
  | { type: "envelope"; envelopeId: string; eventId?: string; event?: Obj }
  | { type: "other" };

/** Parse one text frame; undefined when it is not JSON or not an object. */
export function parseFrame(data: string): Frame | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isObj(v)) return undefined;
  const envelopeId = str(v.envelope_id);
  if (envelopeId) {
    const payload = isObj(v.payload) ? v.payload : undefined;
    if (v.type !== "events_api" || !payload || payload.type !== "event_callback") return { type: "envelope", envelopeId };
    return { type: "envelope", envelopeId, eventId: str(payload.event_id), event: isObj(payload.event) ? payload.event : undefined };
  }
  if (v.type === "hello") return { type: "hello" };
  if (v.type === "disconnect") return { type: "disconnect", reason: str(v.reason) ?? "unknown" };
  return { type: "other" };
}

/** The platform message id bosun uses: a message's ts is unique within its channel only. */
export function messageId(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

/** Who the adapter is (auth.test): its own messages are never answered, its mention is stripped. */
export interface Self {
  userId?: string;
  botId?: string;
}

/**
 * The inbound message of a `message` or `app_mention` event, or undefined for events bosun does
 * not answer: another type, a subtype (edits, joins, bot_message...), a bot's or our own
 * message, no text. A reply goes in the message's thread: the one it is in, or (outside direct
 * messages) a new one under it, so each top-level question is its own conversation there.
 */
export function toInbound(event: Obj, self: Self): InboundMessage | undefined {
  if (event.type !== "message" && event.type !== "app_mention") return undefined;
  if (event.subtype !== undefined || event.bot_id !== undefined || event.bot_profile !== undefined) return undefined;
  const user = str(event.user);
  const channel = str(event.channel);
  const ts = str(event.ts);
  const raw = typeof event.text === "string" ? event.text : "";
  if (!user || !channel || !ts || (self.userId && user === self.userId)) return undefined;
  const text = stripMention(raw, self.userId).trim();
  if (text === "") return undefined;
  const dm = event.channel_type === "im" || channel.startsWith("D");
  const thread = str(event.thread_ts) ?? (dm ? undefined : ts);
  return { id: messageId(channel, ts), conversation: channel, thread, user, text };
}

/** "<@U123> question" addressed to us reads as "question". */
function stripMention(text: string, userId: string | undefined): string {
  if (!userId) return text;
  return text.replace(new RegExp(`^\\s*<@${userId.replace(/[^A-Za-z0-9]/g, "")}(\\|[^>]*)?>[\\s,:]*`), "");
}

/**
 * A bounded memory of recent keys (event ids, message ids): Slack delivers at least once, and a
 * mention may come both as `message` and as `app_mention`. Oldest forgotten first.
 */
export class RecentKeys {
  readonly #keys = new Set<string>();
  constructor(private readonly max = 2_000) {}
  /** True when `key` was seen; remembers it either way. */
  seen(key: string): boolean {
    if (this.#keys.has(key)) return true;
    this.#keys.add(key);
    if (this.#keys.size > this.max) this.#keys.delete(this.#keys.values().next().value!);
    return false;
  }
}

/** A session title from conversations.info: "#name" for a channel, undefined otherwise. */
export function channelTitle(body: unknown): string | undefined {
  if (!isObj(body) || !isObj(body.channel)) return undefined;
  const c = body.channel;
  const name = typeof c.name === "string" ? c.name.trim().slice(0, 200) : "";
  if (name !== "") return c.is_im === true ? name : `#${name}`;
  if (c.is_im === true && typeof c.user === "string") return `direct message with ${c.user.slice(0, 50)}`;
  return undefined;
}
