/**
 * A local Telegram Bot API server for tests: real HTTP on 127.0.0.1, the real URL form
 * (`/bot{token}/{method}`), JSON shapes, status codes and error bodies of core.telegram.org/bots/api,
 * and long polling with Telegram's offset semantics. Switches make it misbehave the way Telegram
 * does (401, 409, 429).
 */

export interface TgUserJson {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}

export interface TgChatJson {
  id: number;
  type: "private" | "supergroup";
  title?: string;
  first_name?: string;
  last_name?: string;
  username?: string;
  is_forum?: boolean;
}

export interface SentMessage {
  chatId: number;
  text: string;
  threadId?: number;
  replyToMessageId?: number;
  messageId: number;
  at: number;
}

/** A voice note the bot sent (sendVoice, multipart/form-data), with the upload as it arrived. */
export interface SentVoice {
  chatId: number;
  /** The uploaded file's bytes (checked to be an Ogg stream holding OpusHead before it is accepted). */
  bytes: Uint8Array;
  fileName: string;
  fileType: string;
  /** Every other form field, as sent (JSON-typed ones as their text). */
  fields: Record<string, string>;
  duration?: number;
  threadId?: number;
  replyToMessageId?: number;
  messageId: number;
  at: number;
}

export interface ChatAction {
  chatId: number;
  action: string;
  threadId?: number;
  at: number;
}

/** The actions sendChatAction accepts. */
const CHAT_ACTIONS = new Set(["typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"]);

export interface RequestRecord {
  method: string;
  params: Record<string, unknown>;
  at: number;
  status: number;
}

export interface PushOptions {
  chatId: number;
  /** Omit for a message without text (e.g. a sticker). */
  text?: string;
  /** A username, or a user object. */
  from?: string | Partial<TgUserJson>;
  threadId?: number;
}

export interface PushVoiceOptions {
  chatId: number;
  /** The file's bytes (what getFile + the file URL serve). */
  bytes: Uint8Array;
  /** "voice" (a voice note, the default) or "audio" (a music file). */
  kind?: "voice" | "audio";
  duration?: number;
  mimeType?: string;
  /** The file_size the message announces (default: the bytes' length; null: none). */
  fileSize?: number | null;
  caption?: string;
  from?: string;
}

interface Pending {
  limit: number;
  answer: (res: Response) => void;
}

type Update = { update_id: number } & Record<string, unknown>;

const CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
const ok = (result: unknown) => json(200, { ok: true, result });
const fail = (code: number, description: string, parameters?: Record<string, unknown>) =>
  json(code, parameters ? { ok: false, error_code: code, description, parameters } : { ok: false, error_code: code, description });

/** Query, form or JSON parameters, as Telegram accepts them all; JSON-typed fields may arrive as strings. */
async function readParams(req: Request, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (req.method !== "POST") return params;
  const type = req.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    const text = await req.text();
    if (text.trim() === "") return params;
    const body = JSON.parse(text) as unknown;
    if (typeof body === "object" && body !== null && !Array.isArray(body)) Object.assign(params, body);
  } else if (type.includes("application/x-www-form-urlencoded") || type.includes("multipart/form-data")) {
    // An uploaded file stays a File (sendVoice's voice); every other field is text.
    for (const [k, v] of await req.formData()) params[k] = v;
  }
  return params;
}

function int(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isSafeInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

function jsonField(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** A running fake Bot API. Create with `TelegramTestServer.start()`. */
export class TelegramTestServer {
  readonly token: string;
  readonly bot: TgUserJson;
  /** Messages the bot sent, in order. */
  readonly sent: SentMessage[] = [];
  /** Voice notes the bot sent (sendVoice), in order. */
  readonly voices: SentVoice[] = [];
  /** Every sendMessage and sendVoice the bot made, in order: "text:<text>" or "voice:<chat id>". */
  readonly outgoing: string[] = [];
  /** Answer a sendVoice with this error instead of taking it (null = take it). */
  refuseVoice: ((chatId: number) => { code: number; description: string } | null) | null = null;
  /** Chat actions the bot sent ("typing"...), in order. */
  readonly actions: ChatAction[] = [];
  /** Every API request, in order of arrival (status filled in when answered). */
  readonly requests: RequestRecord[] = [];
  /** Answer every request with 401 (a revoked token). */
  rejectToken = false;
  /** Answer every getUpdates with 409 (another instance keeps polling this token). */
  conflict = false;
  getUpdatesCalls = 0;
  /** getUpdates requests terminated with 409 because a newer one arrived. */
  conflicts = 0;
  /** Most getUpdates requests in flight at once, as seen when each arrived. */
  maxConcurrentPollers = 0;
  rateLimitedResponses = 0;
  /** Answer a sendMessage with this error instead of sending it (null = send): a chat that is gone, an outage. */
  refuseSend: ((chatId: number, text: string) => { code: number; description: string } | null) | null = null;
  /** Files getFile and the file URL serve, by file_id. */
  readonly files = new Map<string, { path: string; bytes: Uint8Array; size?: number }>();
  /** File downloads answered (`GET /file/bot<token>/<path>`). */
  fileDownloads = 0;
  /** Send downloads chunked, with no Content-Length (the size shows only while reading). */
  chunkedDownloads = false;
  /** Cut every download's connection after its first 4 KiB (a reset mid-body). */
  breakDownloads = false;
  /** Hold every getChat unanswered (until the client gives up): a lookup that never resolves. */
  stallGetChat = false;
  /** Hold every sendVoice unanswered (until the client gives up): an upload stuck on a dead network. */
  stallVoice = false;

  #server!: ReturnType<typeof Bun.serve>;
  #queue: Update[] = [];
  #nextUpdateId = 100_000;
  #allowed: string[] | null = null;
  #pending: Pending | null = null;
  #inFlightPolls = 0;
  #chats = new Map<number, { chat: TgChatJson; nextMessageId: number; messages: Set<number>; threads: Set<number> }>();
  #limitedUntil = 0;
  #limitedMethods: Set<string> | null = null;
  #sentWaiters: Array<() => void> = [];
  #voiceWaiters: Array<() => void> = [];
  #pausedPort: number | null = null;
  /** Every update ever queued, for `redeliverAll`. */
  #history: Update[] = [];

  private constructor(token: string) {
    this.token = token;
    this.bot = { id: Number(token.split(":")[0]), is_bot: true, first_name: "Bosun Test Bot", username: "bosun_test_bot" };
  }

  /** Start on a free loopback port. */
  static async start(token = "123456789:AAE-test_token-0123456789abcdefghij"): Promise<TelegramTestServer> {
    const s = new TelegramTestServer(token);
    s.#server = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, fetch: (req) => s.#handle(req) });
    return s;
  }

  get port(): number {
    return this.#server.port as number;
  }

  /** The `api_root` to configure. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** getUpdates requests being held right now (0 or 1: a newer one terminates the older). */
  get pollers(): number {
    return this.#inFlightPolls;
  }

  /** Updates queued and not yet confirmed by an offset. */
  get unconfirmed(): number[] {
    return this.#queue.map((u) => u.update_id);
  }

  /** Answer requests with 429 `retry_after` for `seconds` (all methods, or only those named). */
  rateLimit(seconds: number, methods?: string[]): void {
    this.#limitedUntil = Date.now() + seconds * 1000;
    this.#limitedMethods = methods ? new Set(methods.map((m) => m.toLowerCase())) : null;
  }

  /** Queue a message update from a user; returns its update_id and message_id. */
  pushMessage(opts: PushOptions): { updateId: number; messageId: number } {
    const from: TgUserJson =
      typeof opts.from === "string" || opts.from === undefined
        ? { id: 4242, is_bot: false, first_name: "Ada", username: opts.from ?? "ada" }
        : { id: 4242, is_bot: false, first_name: "Ada", ...opts.from };
    const c = this.#chat(opts.chatId, from, opts.threadId !== undefined);
    const messageId = c.nextMessageId++;
    c.messages.add(messageId);
    const message: Record<string, unknown> = { message_id: messageId, from, chat: c.chat, date: Math.floor(Date.now() / 1000) };
    if (opts.threadId !== undefined) {
      c.threads.add(opts.threadId);
      Object.assign(message, { message_thread_id: opts.threadId, is_topic_message: true });
    }
    if (opts.text !== undefined) message.text = opts.text;
    else message.sticker = { file_id: "CAACAgIAAxkBAAE", file_unique_id: "AgAD", type: "regular", width: 512, height: 512, is_animated: false, is_video: false };
    return { updateId: this.#enqueue("message", message), messageId };
  }

  /** Queue a voice note (or audio file) update; its bytes are served through getFile and the file URL. */
  pushVoice(opts: PushVoiceOptions): { updateId: number; messageId: number; fileId: string } {
    const from: TgUserJson = { id: 4242, is_bot: false, first_name: "Ada", username: opts.from ?? "ada" };
    const c = this.#chat(opts.chatId, from, false);
    const messageId = c.nextMessageId++;
    c.messages.add(messageId);
    const kind = opts.kind ?? "voice";
    const fileId = `AwACAgIAAxkBAAI${this.files.size + 1}${kind}`;
    const size = opts.fileSize === null ? undefined : (opts.fileSize ?? opts.bytes.byteLength);
    this.files.set(fileId, { path: `${kind === "voice" ? "voice" : "music"}/file_${this.files.size}.${kind === "voice" ? "oga" : "mp3"}`, bytes: opts.bytes, ...(size === undefined ? {} : { size }) });
    const file: Record<string, unknown> = { file_id: fileId, file_unique_id: `AgAD${this.files.size}`, duration: opts.duration ?? 1, mime_type: opts.mimeType ?? (kind === "voice" ? "audio/ogg" : "audio/mpeg") };
    if (size !== undefined) file.file_size = size;
    const message: Record<string, unknown> = { message_id: messageId, from, chat: c.chat, date: Math.floor(Date.now() / 1000), [kind]: file };
    if (opts.caption !== undefined) message.caption = opts.caption;
    return { updateId: this.#enqueue("message", message), messageId, fileId };
  }

  /** Resolve with the first voice note sent matching `pred` (already sent, or the next ones). */
  async waitForVoice(pred: (v: SentVoice) => boolean = () => true, timeoutMs = 10_000): Promise<SentVoice> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.voices.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching sendVoice within ${timeoutMs} ms; ${this.voices.length} sent`);
      await new Promise<void>((r) => {
        this.#voiceWaiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** Resolve with the first sent message matching `pred` (already sent, or the next ones). */
  waitForSent(pred: (m: SentMessage) => boolean, timeoutMs = 10_000): Promise<SentMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.sent.find(pred);
        if (!hit) return false;
        clearTimeout(timer);
        this.#sentWaiters = this.#sentWaiters.filter((w) => w !== check);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        this.#sentWaiters = this.#sentWaiters.filter((w) => w !== check);
        reject(new Error(`no matching sendMessage within ${timeoutMs} ms; sent: ${JSON.stringify(this.sent.map((m) => m.text.slice(0, 40)))}`));
      }, timeoutMs);
      if (!check()) this.#sentWaiters.push(check);
    });
  }

  /** Stop the server, dropping held requests. */
  async stop(): Promise<void> {
    await this.#server.stop(true);
  }

  /**
   * Queue every update ever sent again, confirmed or not: what a bot sees when its stored offset
   * was lost (Telegram keeps updates for 24 hours and serves them again from offset 0).
   */
  redeliverAll(): void {
    const queued = new Set(this.#queue.map((u) => u.update_id));
    this.#queue = [...this.#history.filter((u) => !queued.has(u.update_id)), ...this.#queue].sort((a, b) => a.update_id - b.update_id);
  }

  /** Go away (connections refused) keeping every chat, message and update: Telegram unreachable. */
  async pause(): Promise<void> {
    const port = this.port;
    await this.#server.stop(true);
    this.#pausedPort = port;
  }

  /** Come back on the same port after `pause`. */
  resume(): void {
    if (this.#pausedPort === null) return;
    this.#server = Bun.serve({ hostname: "127.0.0.1", port: this.#pausedPort, idleTimeout: 0, fetch: (req) => this.#handle(req) });
    this.#pausedPort = null;
  }

  #chat(chatId: number, from: TgUserJson, forum: boolean) {
    let c = this.#chats.get(chatId);
    if (!c) {
      const chat: TgChatJson =
        chatId > 0
          ? { id: chatId, type: "private", first_name: from.first_name, last_name: from.last_name, username: from.username }
          : { id: chatId, type: "supergroup", title: "Test group" };
      c = { chat, nextMessageId: 1, messages: new Set(), threads: new Set() };
      this.#chats.set(chatId, c);
    }
    if (forum && c.chat.type === "supergroup") c.chat.is_forum = true;
    return c;
  }

  #enqueue(kind: string, payload: unknown): number {
    const id = this.#nextUpdateId++;
    // allowed_updates filters updates when they are created, not those already queued.
    if (this.#allowed && this.#allowed.length > 0 && !this.#allowed.includes(kind)) return id;
    this.#queue.push({ update_id: id, [kind]: payload });
    this.#history.push(this.#queue.at(-1)!);
    const p = this.#pending;
    if (p) {
      this.#pending = null;
      p.answer(ok(this.#queue.slice(0, p.limit)));
    }
    return id;
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const f = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (f) return this.#download(f[1]!, f[2]!);
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return fail(404, "Not Found");
    const method = m[2]!;
    let params: Record<string, unknown>;
    try {
      params = await readParams(req, url);
    } catch {
      return fail(400, "Bad Request: can't parse JSON");
    }
    const rec: RequestRecord = { method, params, at: Date.now(), status: 0 };
    this.requests.push(rec);
    const res = await this.#route(req, m[1]!, method.toLowerCase(), params);
    rec.status = res.status;
    return res;
  }

  async #route(req: Request, token: string, method: string, params: Record<string, unknown>): Promise<Response> {
    if (this.rejectToken || token !== this.token) return fail(401, "Unauthorized");
    if (Date.now() < this.#limitedUntil && (!this.#limitedMethods || this.#limitedMethods.has(method))) {
      this.rateLimitedResponses++;
      const s = Math.max(1, Math.ceil((this.#limitedUntil - Date.now()) / 1000));
      return fail(429, `Too Many Requests: retry after ${s}`, { retry_after: s });
    }
    switch (method) {
      case "getme":
        return ok(this.bot);
      case "getupdates":
        return this.#getUpdates(req, params);
      case "sendmessage":
        return this.#sendMessage(params);
      case "sendchataction":
        return this.#sendChatAction(params);
      case "getchat":
        return this.#getChat(req, params);
      case "getfile":
        return this.#getFile(params);
      case "sendvoice":
        if (this.stallVoice) return new Promise<Response>((resolve) => req.signal.addEventListener("abort", () => resolve(ok(null)), { once: true }));
        return this.#sendVoice(params);
      default:
        return fail(404, "Not Found");
    }
  }

  #getUpdates(req: Request, params: Record<string, unknown>): Promise<Response> | Response {
    this.getUpdatesCalls++;
    if (this.conflict) return fail(409, CONFLICT);
    const offset = params.offset === undefined ? undefined : int(params.offset);
    const limit = params.limit === undefined ? 100 : int(params.limit);
    const timeout = params.timeout === undefined ? 0 : int(params.timeout);
    if (params.offset !== undefined && offset === undefined) return fail(400, "Bad Request: invalid offset specified");
    if (limit === undefined || timeout === undefined || timeout < 0) return fail(400, "Bad Request: wrong parameter value");
    if (params.allowed_updates !== undefined) {
      const allowed = jsonField(params.allowed_updates);
      if (!Array.isArray(allowed) || !allowed.every((a) => typeof a === "string")) return fail(400, "Bad Request: can't parse allowed updates");
      this.#allowed = allowed;
    }
    // An offset confirms every update below it; a negative one keeps only the last -offset.
    if (offset !== undefined && offset > 0) this.#queue = this.#queue.filter((u) => u.update_id >= offset);
    if (offset !== undefined && offset < 0) this.#queue = this.#queue.slice(offset);
    const n = Math.min(100, Math.max(1, limit));
    // Telegram ends the older of two concurrent long polls with 409.
    this.maxConcurrentPollers = Math.max(this.maxConcurrentPollers, this.#inFlightPolls + 1);
    const older = this.#pending;
    if (older) {
      this.#pending = null;
      this.conflicts++;
      older.answer(fail(409, CONFLICT));
    }
    if (this.#queue.length > 0 || timeout === 0) return ok(this.#queue.slice(0, n));
    this.#inFlightPolls++;
    return new Promise<Response>((resolve) => {
      const pending: Pending = { limit: n, answer: (r) => finish(r) };
      const finish = (r: Response) => {
        clearTimeout(timer);
        req.signal.removeEventListener("abort", onGone);
        if (this.#pending === pending) this.#pending = null;
        this.#inFlightPolls--;
        resolve(r);
      };
      const onGone = () => finish(ok([]));
      const timer = setTimeout(() => finish(ok([])), timeout * 1000);
      req.signal.addEventListener("abort", onGone, { once: true });
      this.#pending = pending;
    });
  }

  /** A chat the bot has seen (ChatFullInfo's basic fields), by numeric id or @username. */
  #getChat(req: Request, params: Record<string, unknown>): Promise<Response> | Response {
    if (this.stallGetChat) return new Promise<Response>((resolve) => req.signal.addEventListener("abort", () => resolve(ok(null)), { once: true }));
    if (params.chat_id === undefined || params.chat_id === "") return fail(400, "Bad Request: chat_id is empty");
    const chatId = int(params.chat_id);
    const name = typeof params.chat_id === "string" && params.chat_id.startsWith("@") ? params.chat_id.slice(1) : undefined;
    const c = chatId !== undefined ? this.#chats.get(chatId) : [...this.#chats.values()].find((x) => name !== undefined && x.chat.username === name);
    if (!c) return fail(400, "Bad Request: chat not found");
    return ok({ ...c.chat, accent_color_id: 0, max_reaction_count: 11 });
  }

  /** getFile: a File with its path (valid for an hour on Telegram; forever here). */
  #getFile(params: Record<string, unknown>): Response {
    if (typeof params.file_id !== "string" || params.file_id === "") return fail(400, "Bad Request: file_id is empty");
    const file = this.files.get(params.file_id);
    if (!file) return fail(400, "Bad Request: invalid file_id");
    if ((file.size ?? file.bytes.byteLength) > 20_000_000) return fail(400, "Bad Request: file is too big");
    return ok({ file_id: params.file_id, file_unique_id: "AgAD", ...(file.size === undefined ? {} : { file_size: file.size }), file_path: file.path });
  }

  /** The file URL: the bytes of a file getFile named. */
  #download(token: string, path: string): Response {
    if (this.rejectToken || token !== this.token) return fail(401, "Unauthorized");
    const file = [...this.files.values()].find((x) => x.path === path);
    if (!file) return fail(404, "Not Found");
    this.fileDownloads++;
    const bytes = file.bytes;
    if (this.breakDownloads) {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes.slice(0, 4096));
        },
        pull(c) {
          // The stream fails after its first chunk: the server drops the connection mid-body.
          c.error(new Error("connection cut by the test (breakDownloads)"));
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "application/octet-stream", "content-length": String(bytes.byteLength) } });
    }
    if (this.chunkedDownloads) {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.byteLength; i += 4096) c.enqueue(bytes.slice(i, i + 4096));
          c.close();
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "application/octet-stream" } });
    }
    return new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]), { status: 200, headers: { "content-type": "application/octet-stream" } });
  }

  /**
   * sendVoice: the `voice` field must be an uploaded file (multipart/form-data) holding an Ogg stream
   * whose first packet is OpusHead, as Telegram's clients need to play it as a voice note.
   */
  async #sendVoice(params: Record<string, unknown>): Promise<Response> {
    const chatId = int(params.chat_id);
    if (params.chat_id === undefined || params.chat_id === "") return fail(400, "Bad Request: chat_id is empty");
    const c = chatId === undefined ? undefined : this.#chats.get(chatId);
    if (!c || chatId === undefined) return fail(400, "Bad Request: chat not found");
    const file = params.voice;
    if (!(file instanceof Blob)) return fail(400, "Bad Request: there is no voice in the request");
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (!isOggOpus(bytes)) return fail(400, "Bad Request: wrong file type of the voice");
    const refused = this.refuseVoice?.(chatId);
    if (refused) return fail(refused.code, refused.description);
    const threadId = params.message_thread_id === undefined ? undefined : int(params.message_thread_id);
    if (params.message_thread_id !== undefined && (threadId === undefined || !c.threads.has(threadId))) return fail(400, "Bad Request: message thread not found");
    const duration = params.duration === undefined ? undefined : int(params.duration);
    if (params.duration !== undefined && (duration === undefined || duration < 0)) return fail(400, "Bad Request: wrong duration specified");
    const rp = jsonField(params.reply_parameters) as { message_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
    const replyTo = rp ? int(rp.message_id) : undefined;
    if (replyTo !== undefined && !c.messages.has(replyTo) && rp?.allow_sending_without_reply !== true) return fail(400, "Bad Request: message to be replied not found");
    const messageId = c.nextMessageId++;
    c.messages.add(messageId);
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (k !== "voice" && typeof v === "string") fields[k] = v;
    this.voices.push({ chatId, bytes, fileName: file instanceof File ? file.name : "", fileType: file.type, fields, duration, threadId, replyToMessageId: replyTo, messageId, at: Date.now() });
    this.outgoing.push(`voice:${chatId}`);
    for (const w of this.#voiceWaiters.splice(0)) w();
    const voice = { file_id: `AwACAgIAAxkDAAI${messageId}`, file_unique_id: `AgAD${messageId}`, duration: duration ?? 0, mime_type: "audio/ogg", file_size: bytes.byteLength };
    const message: Record<string, unknown> = { message_id: messageId, from: this.bot, chat: c.chat, date: Math.floor(Date.now() / 1000), voice };
    if (threadId !== undefined) Object.assign(message, { message_thread_id: threadId, is_topic_message: true });
    return ok(message);
  }

  /** Rename a group (what its admins do in the app); getChat answers the new title. */
  setChatTitle(chatId: number, title: string): void {
    const c = this.#chats.get(chatId);
    if (c && c.chat.type !== "private") c.chat.title = title;
  }

  #sendChatAction(params: Record<string, unknown>): Response {
    const chatId = int(params.chat_id);
    if (params.chat_id === undefined || params.chat_id === "") return fail(400, "Bad Request: chat_id is empty");
    const c = chatId === undefined ? undefined : this.#chats.get(chatId);
    if (!c || chatId === undefined) return fail(400, "Bad Request: chat not found");
    if (typeof params.action !== "string" || !CHAT_ACTIONS.has(params.action)) return fail(400, "Bad Request: wrong parameter action in request");
    const threadId = params.message_thread_id === undefined ? undefined : int(params.message_thread_id);
    if (params.message_thread_id !== undefined && (threadId === undefined || !c.threads.has(threadId))) return fail(400, "Bad Request: message thread not found");
    this.actions.push({ chatId, action: params.action, threadId, at: Date.now() });
    return ok(true);
  }

  #sendMessage(params: Record<string, unknown>): Response {
    const chatId = int(params.chat_id);
    if (params.chat_id === undefined || params.chat_id === "") return fail(400, "Bad Request: chat_id is empty");
    const c = chatId === undefined ? undefined : this.#chats.get(chatId);
    if (!c || chatId === undefined) return fail(400, "Bad Request: chat not found");
    const text = typeof params.text === "string" ? params.text : params.text === undefined ? "" : String(params.text);
    if (text.trim() === "") return fail(400, "Bad Request: message text is empty");
    if (text.length > 4096) return fail(400, "Bad Request: message is too long");
    const refused = this.refuseSend?.(chatId, text);
    if (refused) return fail(refused.code, refused.description);
    const threadId = params.message_thread_id === undefined ? undefined : int(params.message_thread_id);
    if (params.message_thread_id !== undefined && (threadId === undefined || !c.threads.has(threadId))) return fail(400, "Bad Request: message thread not found");
    const rp = jsonField(params.reply_parameters) as { message_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
    const replyTo = rp ? int(rp.message_id) : params.reply_to_message_id !== undefined ? int(params.reply_to_message_id) : undefined;
    const lenient = rp?.allow_sending_without_reply === true || params.allow_sending_without_reply === true || params.allow_sending_without_reply === "true";
    if (replyTo !== undefined && !c.messages.has(replyTo) && !lenient) return fail(400, "Bad Request: message to be replied not found");
    const messageId = c.nextMessageId++;
    c.messages.add(messageId);
    const message: Record<string, unknown> = { message_id: messageId, from: this.bot, chat: c.chat, date: Math.floor(Date.now() / 1000), text };
    if (threadId !== undefined) Object.assign(message, { message_thread_id: threadId, is_topic_message: true });
    if (replyTo !== undefined && c.messages.has(replyTo)) message.reply_to_message = { message_id: replyTo, chat: c.chat, date: message.date };
    this.sent.push({ chatId, text, threadId, replyToMessageId: replyTo, messageId, at: Date.now() });
    this.outgoing.push(`text:${text}`);
    for (const w of [...this.#sentWaiters]) w();
    return ok(message);
  }
}

/** An Ogg stream ("OggS" capture pattern) whose first packet is an Opus identification header (OpusHead). */
function isOggOpus(b: Uint8Array): boolean {
  if (b.byteLength < 27 + 8 || String.fromCharCode(...b.subarray(0, 4)) !== "OggS") return false;
  // The first page's segment table follows its 27-byte header; the packet starts after it.
  const segments = b[26]!;
  const start = 27 + segments;
  return b.byteLength >= start + 8 && String.fromCharCode(...b.subarray(start, start + 8)) === "OpusHead";
}
