/**
 * The slice of Discord's object model bosun reads (discord.com/developers/docs, API v10).
 * Everything arriving from the gateway or the REST API is checked here before any other module
 * touches it: a field of the wrong type makes the object unreadable, never a crash.
 */

export interface DcUser {
  id: string;
  username: string;
  global_name?: string;
  bot: boolean;
}

export interface DcMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  /** The channel's type, when Discord sends it: tells a thread from a channel without a lookup. */
  channel_type?: number;
  author: DcUser;
  webhook_id?: string;
  content: string;
  /** User ids mentioned in the message. */
  mentions: string[];
  /** The author of the message this one replies to, when Discord sent it along. */
  referenced_author_id?: string;
}

/** A channel as GET /channels/:id answers it (the fields titles and threads need). */
export interface DcChannel {
  id: string;
  type: number;
  name?: string;
  guild_id?: string;
  /** A thread's channel. */
  parent_id?: string;
  /** A DM's other party. */
  recipients: DcUser[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** Snowflakes are decimal strings (64-bit: too wide for a JS number). */
const isSnowflake = (v: unknown): v is string => typeof v === "string" && /^\d{1,20}$/.test(v);
const optSnowflake = (v: unknown): string | undefined => (isSnowflake(v) ? v : undefined);
const optString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Channel types that are threads (announcement, public and private thread). */
export const THREAD_CHANNEL_TYPES: ReadonlySet<number> = new Set([10, 11, 12]);

/** Parse a User; undefined when the value is not one. */
export function parseUser(v: unknown): DcUser | undefined {
  if (!isObj(v) || !isSnowflake(v.id) || typeof v.username !== "string") return undefined;
  return { id: v.id, username: v.username, global_name: optString(v.global_name), bot: v.bot === true };
}

/** Parse a MESSAGE_CREATE's `d`; undefined when it is not a message bosun can read. */
export function parseMessage(v: unknown): DcMessage | undefined {
  if (!isObj(v) || !isSnowflake(v.id) || !isSnowflake(v.channel_id)) return undefined;
  const author = parseUser(v.author);
  if (!author) return undefined;
  const mentions = Array.isArray(v.mentions) ? v.mentions.flatMap((m) => (isObj(m) && isSnowflake(m.id) ? [m.id] : [])) : [];
  const ref = isObj(v.referenced_message) ? parseUser(v.referenced_message.author) : undefined;
  return {
    id: v.id,
    channel_id: v.channel_id,
    guild_id: optSnowflake(v.guild_id),
    channel_type: typeof v.channel_type === "number" ? v.channel_type : undefined,
    author,
    webhook_id: optSnowflake(v.webhook_id),
    content: typeof v.content === "string" ? v.content : "",
    mentions,
    referenced_author_id: ref?.id,
  };
}

/** Parse a Channel; undefined when the value is not one. */
export function parseChannel(v: unknown): DcChannel | undefined {
  if (!isObj(v) || !isSnowflake(v.id) || typeof v.type !== "number") return undefined;
  const recipients = Array.isArray(v.recipients) ? v.recipients.flatMap((r) => parseUser(r) ?? []) : [];
  return { id: v.id, type: v.type, name: optString(v.name), guild_id: optSnowflake(v.guild_id), parent_id: optSnowflake(v.parent_id), recipients };
}

/** The guild's name from GET /guilds/:id, if it has one. */
export function guildName(v: unknown): string | undefined {
  return isObj(v) && typeof v.name === "string" && v.name.trim() !== "" ? v.name.trim() : undefined;
}

/** The bot's own user from READY's `d`. */
export function readyUser(v: unknown): DcUser | undefined {
  return isObj(v) ? parseUser(v.user) : undefined;
}
