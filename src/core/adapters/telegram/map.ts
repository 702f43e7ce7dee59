import type { InboundMessage } from "../types.ts";
import type { VoiceRef } from "../../voice/types.ts";
import type { TgAudioFile, TgMessage, TgUpdate } from "./wire.ts";

/** The platform message id bosun uses for a Telegram message: message ids are only unique per chat. */
export function messageId(chatId: number, messageId: number): string {
  return `${chatId}:${messageId}`;
}

/** Parse a bosun message id back into chat and message id; undefined when it is not one of ours. */
export function parseMessageId(id: string): { chatId: number; messageId: number } | undefined {
  const m = /^(-?\d+):(\d+)$/.exec(id);
  if (!m) return undefined;
  const chatId = Number(m[1]);
  const msg = Number(m[2]);
  return Number.isSafeInteger(chatId) && Number.isSafeInteger(msg) ? { chatId, messageId: msg } : undefined;
}

function sender(m: TgMessage): string {
  if (m.from) return m.from.username || m.from.first_name || String(m.from.id);
  // Anonymous group admins and channels post as a chat.
  if (m.sender_chat) return m.sender_chat.username || m.sender_chat.title || String(m.sender_chat.id);
  return "unknown";
}

/**
 * The inbound message of an update, or undefined for updates bosun does not answer (no text,
 * not a message). Only forum-topic messages carry a thread: in other supergroups
 * `message_thread_id` names a reply chain, and splitting sessions per reply chain would be wrong.
 */
export function toInbound(update: TgUpdate): InboundMessage | undefined {
  const m = update.message;
  if (!m) return undefined;
  const thread = m.is_topic_message && m.message_thread_id !== undefined ? String(m.message_thread_id) : undefined;
  const base = { id: messageId(m.chat.id, m.message_id), conversation: String(m.chat.id), thread, user: sender(m) };
  // A voice note or audio file: transcribed before the turn (its caption, if any, goes with it).
  const audio = m.voice ?? m.audio;
  if (audio) return { ...base, text: m.caption ?? "", voice: voiceRef(audio) };
  if (typeof m.text !== "string" || m.text.trim() === "") return undefined;
  return { ...base, text: m.text };
}

function voiceRef(a: TgAudioFile): VoiceRef {
  return {
    ref: a.file_id,
    ...(a.mime_type === undefined ? {} : { mime: a.mime_type }),
    ...(a.duration === undefined ? {} : { durationS: a.duration }),
    ...(a.file_size === undefined ? {} : { sizeBytes: a.file_size }),
  };
}

/**
 * A session title from getChat's answer: a group's title; a private chat's person as
 * "First Last (@username)", whatever of it they set. Undefined when the answer names nothing
 * (the platform's text is hostile input: only strings are taken).
 */
export function chatTitle(chat: unknown): string | undefined {
  if (typeof chat !== "object" || chat === null) return undefined;
  const c = chat as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
  const title = str(c.title);
  if (title) return title;
  const name = [str(c.first_name), str(c.last_name)].filter(Boolean).join(" ");
  const user = str(c.username);
  if (name && user) return `${name} (@${user})`;
  return name || (user ? `@${user}` : undefined);
}
