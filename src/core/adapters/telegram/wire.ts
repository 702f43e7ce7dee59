/**
 * The slice of the Telegram Bot API object model bosun reads (core.telegram.org/bots/api).
 * Everything arriving from the network is checked here before any other module touches it.
 */

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface TgChat {
  id: number;
  type: string;
  title?: string;
  username?: string;
  first_name?: string;
}

export interface TgMessage {
  message_id: number;
  message_thread_id?: number;
  /** True for messages in a forum topic; only then is `message_thread_id` a topic to answer in. */
  is_topic_message?: boolean;
  from?: TgUser;
  sender_chat?: TgChat;
  chat: TgChat;
  date: number;
  text?: string;
  /** A voice note (recorded in the app) or an audio file sent as music; bosun transcribes both. */
  voice?: TgAudioFile;
  audio?: TgAudioFile;
  caption?: string;
}

/** The fields of Voice / Audio bosun reads: how to fetch the file again, and what to check first. */
export interface TgAudioFile {
  file_id: string;
  duration?: number;
  mime_type?: string;
  file_size?: number;
}

/** One update; only `message` is requested (allowed_updates), other kinds are passed over. */
export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const optString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Parse a User; undefined when the value is not one. */
export function parseUser(v: unknown): TgUser | undefined {
  if (!isObj(v) || !isInt(v.id) || typeof v.first_name !== "string") return undefined;
  return { id: v.id, is_bot: v.is_bot === true, first_name: v.first_name, username: optString(v.username) };
}

/** Parse a Chat; undefined when the value is not one. */
export function parseChat(v: unknown): TgChat | undefined {
  if (!isObj(v) || !isInt(v.id) || typeof v.type !== "string") return undefined;
  return { id: v.id, type: v.type, title: optString(v.title), username: optString(v.username), first_name: optString(v.first_name) };
}

/** Parse a Message; undefined when the value is not one. */
export function parseMessage(v: unknown): TgMessage | undefined {
  if (!isObj(v) || !isInt(v.message_id)) return undefined;
  const chat = parseChat(v.chat);
  if (!chat) return undefined;
  return {
    message_id: v.message_id,
    message_thread_id: isInt(v.message_thread_id) ? v.message_thread_id : undefined,
    is_topic_message: v.is_topic_message === true,
    from: parseUser(v.from),
    sender_chat: parseChat(v.sender_chat),
    chat,
    date: isInt(v.date) ? v.date : 0,
    text: optString(v.text),
    voice: parseAudioFile(v.voice),
    audio: parseAudioFile(v.audio),
    caption: optString(v.caption),
  };
}

/** Parse a Voice or Audio; undefined when it has no usable file_id (nothing to fetch). */
export function parseAudioFile(v: unknown): TgAudioFile | undefined {
  if (!isObj(v) || typeof v.file_id !== "string" || !/^[\w-]{1,256}$/.test(v.file_id)) return undefined;
  const count = (n: unknown) => (isInt(n) && n >= 0 ? n : undefined);
  const mime = optString(v.mime_type);
  return { file_id: v.file_id, duration: count(v.duration), mime_type: mime && /^[\w.+-]+\/[\w.+-]+$/.test(mime) && mime.length <= 100 ? mime : undefined, file_size: count(v.file_size) };
}

/** getFile's answer: where to download the file, and its size when Telegram knows it. */
export interface TgFile {
  file_path?: string;
  file_size?: number;
}

/** Parse a File; a file_path that could leave the file URL's directory (or is not a plain path) is dropped. */
export function parseFile(v: unknown): TgFile | undefined {
  if (!isObj(v) || typeof v.file_id !== "string") return undefined;
  const path = optString(v.file_path);
  const safe = path !== undefined && path.length <= 512 && /^[\w\-./]+$/.test(path) && !path.split("/").some((p) => p === ".." || p === "." || p === "");
  return { file_path: safe ? path : undefined, file_size: isInt(v.file_size) && v.file_size >= 0 ? v.file_size : undefined };
}

/**
 * Parse the result of getUpdates. A result that is not an array of objects with integer
 * `update_id`s is a protocol error (thrown): without ids the offset cannot move safely.
 * A malformed `message` inside a well-formed update is dropped (the update still counts).
 */
export function parseUpdates(v: unknown): TgUpdate[] {
  if (!Array.isArray(v)) throw new Error("Telegram API getUpdates returned a result that is not an array");
  return v.map((u, i) => {
    if (!isObj(u) || !isInt(u.update_id)) throw new Error(`Telegram API getUpdates returned an update without an integer update_id (item ${i})`);
    return { update_id: u.update_id, message: u.message === undefined ? undefined : parseMessage(u.message) };
  });
}
