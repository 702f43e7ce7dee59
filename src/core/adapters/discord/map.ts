import type { InboundMessage } from "../types.ts";
import { type DcChannel, type DcMessage, THREAD_CHANNEL_TYPES } from "./wire.ts";

/** Which guild messages the bot answers (DMs always). */
export type RespondMode = "mention" | "all";

/** Whether a message is addressed to the bot: it mentions it, or replies to one of its messages. */
export function addressesBot(m: DcMessage, botId: string): boolean {
  return m.mentions.includes(botId) || m.referenced_author_id === botId || new RegExp(`<@!?${botId}>`).test(m.content);
}

/** The text without the bot's own mention (`<@id>`, `<@!id>`): "@bot what time is it" asks "what time is it". */
export function stripBotMention(content: string, botId: string): string {
  return content.replace(new RegExp(`<@!?${botId}>`, "g"), " ").replace(/[ \t]{2,}/g, " ").trim();
}

/**
 * Whether bosun answers this message: never a bot's (its own included) or a webhook's, which
 * would let two bots talk forever; in DMs always; in guild channels by `respond`.
 */
export function shouldAnswer(m: DcMessage, botId: string, respond: RespondMode): boolean {
  if (m.author.bot || m.author.id === botId || m.webhook_id !== undefined) return false;
  if (m.guild_id === undefined) return true;
  return respond === "all" || addressesBot(m, botId);
}

/**
 * The inbound message for one that is answered. The id is Discord's message id (a snowflake,
 * unique across Discord), so a replay after a resume is the same message to the inbox. A thread
 * is its own channel on Discord: its parent (when known) is the conversation and the thread the
 * thread, so the conversation's session can tell a thread's talk apart.
 */
export function toInbound(m: DcMessage, botId: string, channel: DcChannel | undefined): InboundMessage | undefined {
  const text = stripBotMention(m.content, botId);
  if (text === "") return undefined;
  // A text channel's parent_id is its category: only a thread's names the channel it belongs to.
  const inThread = channel !== undefined && channel.parent_id !== undefined && THREAD_CHANNEL_TYPES.has(channel.type);
  return {
    id: m.id,
    conversation: inThread ? channel!.parent_id! : m.channel_id,
    ...(inThread ? { thread: m.channel_id } : {}),
    user: m.author.username,
    text,
  };
}
