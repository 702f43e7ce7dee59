import { randomUUID } from "node:crypto";
import type { InboundMessage } from "../types.ts";
import type { AddressRule } from "./options.ts";
import { asciiLower, ircLower, isChannel, sameNick, type IrcMessage } from "./parse.ts";

// mIRC formatting: bold, colour (with optional fg,bg), hex colour, reset, monospace, reverse, italic, strike, underline.
const FORMATTING_RE = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

/** Remove IRC colour and formatting codes so the agent sees plain text. */
export function stripFormatting(text: string): string {
  return text.replace(FORMATTING_RE, "");
}

/** Text after a `nick: ` / `nick, ` address (case-insensitive), or null if not addressed to `nick`. */
export function addressedText(text: string, nick: string): string | null {
  const t = text.trimStart();
  const head = t.slice(0, nick.length);
  const sep = t[nick.length];
  if (sep !== ":" && sep !== ",") return null;
  if (ircLower(head) !== ircLower(nick)) return null;
  return t.slice(nick.length + 1).trim();
}

/** Text of a Twitch chat message meant for the bot, or null (see AddressRule). */
export function twitchText(text: string, login: string, triggerPrefix: string | undefined): string | null {
  const t = text.trim();
  if (triggerPrefix !== undefined) return t.startsWith(triggerPrefix) ? t.slice(triggerPrefix.length).trim() : null;
  const direct = addressedText(t, login) ?? addressedText(t, `@${login}`);
  if (direct !== null) return direct;
  const lower = asciiLower(t);
  const at = `@${asciiLower(login)}`;
  if (lower.startsWith(at) && !/[a-z0-9_]/.test(lower[at.length] ?? "")) return t.slice(at.length).trim();
  // A mention elsewhere in the sentence: the whole sentence is the message.
  const mention = new RegExp(`(^|[^a-z0-9_])${at}(?![a-z0-9_])`);
  return mention.test(lower) ? t : null;
}

/**
 * Turn a PRIVMSG into an inbound message, or null when it is not for the agent.
 *
 * Who the bot answers, as a user of each network expects:
 * - IRC channels: only lines addressed to the bot, `bosunbot: hello` or `bosunbot, hello`
 *   (the address is stripped); everything else is people talking to each other.
 * - Twitch channels: with `trigger_prefix`, only lines starting with it (stripped); without it,
 *   lines that start with `@bot`, `bot:` or `bot,` (stripped) or mention `@bot` anywhere (kept whole).
 * - Private messages to the bot: every line; the conversation is the sender's nick.
 * Our own lines, CTCP (ACTION included) and empty texts are ignored. Channel conversations are
 * the lower-cased channel name.
 */
export function toInbound(msg: IrcMessage, self: string, rule: AddressRule, newId: () => string = randomUUID): InboundMessage | null {
  if (msg.command !== "PRIVMSG" || msg.params.length < 2 || !msg.prefix) return null;
  const sender = msg.prefix.nick;
  const target = msg.params[0]!;
  const raw = msg.params[msg.params.length - 1]!;
  if (sameNick(sender, self) || raw.startsWith("\x01")) return null;
  const plain = stripFormatting(raw);
  let text: string | null;
  let conversation: string;
  if (isChannel(target)) {
    conversation = asciiLower(target);
    text = rule.kind === "twitch" ? twitchText(plain, self, rule.triggerPrefix) : addressedText(plain, self);
  } else if (sameNick(target, self)) {
    conversation = sender;
    text = plain.trim();
  } else {
    return null;
  }
  if (!text) return null;
  const tagId = rule.kind === "twitch" ? msg.tags.id : msg.tags.msgid;
  const displayName = rule.kind === "twitch" ? msg.tags["display-name"]?.trim() : undefined;
  return {
    id: tagId && tagId.length <= 128 ? tagId : newId(),
    conversation,
    user: displayName || sender,
    text,
  };
}
