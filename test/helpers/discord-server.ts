/**
 * A local Discord for tests: the REST API (`/api/v10/...`, Discord's JSON shapes, status codes,
 * rate-limit headers and 429 bodies) and the Gateway v10 WebSocket (HELLO, heartbeat/ACK,
 * IDENTIFY → READY with a resume_gateway_url, dispatches with rising `s`, RESUME → replay +
 * RESUMED, op 7, op 9, close codes) on 127.0.0.1. Switches make it misbehave the way Discord
 * does: ACKs stop (a zombie connection), a reconnect request, a fatal close, a 429.
 */
import type { ServerWebSocket } from "bun";

export const BOT_ID = "900000000000000001";
export const INTENTS = 37376;

export interface SentMessage {
  channelId: string;
  id: string;
  content: string;
  nonce?: unknown;
  enforceNonce?: unknown;
  reference?: { message_id?: string; channel_id?: string };
  allowedMentions?: unknown;
  at: number;
}

export interface PushOptions {
  channelId: string;
  content: string;
  /** Absent: a DM. */
  guildId?: string;
  /** A username, or a user object. */
  author?: string | { id: string; username: string; bot?: boolean };
  /** Put the bot in `mentions` and `<@BOT>` in front of the content. */
  mention?: boolean;
  /** A reply to this message of the bot's (sets referenced_message). */
  replyToBot?: string;
  channelType?: number;
  id?: string;
}

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session, for replay on RESUME. */
  events: Array<{ s: number; t: string; d: unknown }>;
  socket: ServerWebSocket<Conn> | null;
}

interface Conn {
  path: string;
  session: Session | null;
  identified: boolean;
}

interface Channel {
  id: string;
  type: number;
  name?: string;
  guild_id?: string;
  parent_id?: string;
  recipients?: Array<{ id: string; username: string; global_name?: string }>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** A running fake Discord. Create with `DiscordTestServer.start()`. */
export class DiscordTestServer {
  readonly token: string;
  /** HELLO's heartbeat_interval. */
  heartbeatIntervalMs: number;
  /** Heartbeats are ACKed (and dispatches delivered); false makes the connection a zombie: nothing comes back until a RESUME. */
  acks = true;
  /** Close the next IDENTIFY's connection with this code (4004, 4014...) instead of READY; stays until reset. */
  closeOnIdentify: number | null = null;
  /** The next N message sends are answered 429 with this retry_after (seconds). */
  rateLimitSends = 0;
  retryAfterS = 0.3;
  /** GET /applications/@me's flags: GATEWAY_MESSAGE_CONTENT (1<<19) by default; 0 = the intent is not enabled. */
  applicationFlags = 1 << 19;
  readonly sent: SentMessage[] = [];
  /** Every 429 answered, with when. */
  readonly rateLimited: number[] = [];
  readonly channels = new Map<string, Channel>();
  readonly guilds = new Map<string, { id: string; name: string }>();
  /** Gateway connections opened, IDENTIFYs and RESUMEs received, GET /gateway/bot calls. */
  connections = 0;
  identifies = 0;
  resumes = 0;
  gatewayBotCalls = 0;
  /** Every event of the gateway side, in order (for assertions and failure messages). */
  readonly log: string[] = [];
  /** When each connection opened. */
  readonly connectedAt: number[] = [];

  #server!: ReturnType<typeof Bun.serve<Conn, never>>;
  #sessions = new Map<string, Session>();
  #current: Session | null = null;
  #nextId = 1_000_000_000_000_000_000n;
  #nonces = new Map<string, SentMessage>();

  private constructor(token: string, heartbeatIntervalMs: number) {
    this.token = token;
    this.heartbeatIntervalMs = heartbeatIntervalMs;
  }

  static async start(opts: { token?: string; heartbeatIntervalMs?: number; port?: number } = {}): Promise<DiscordTestServer> {
    const s = new DiscordTestServer(opts.token ?? "MTAw.test-bot-token.abcdefghijklmnop", opts.heartbeatIntervalMs ?? 250);
    s.#listen(opts.port ?? 0);
    return s;
  }

  get port(): number {
    return this.#server.port!;
  }
  /** The api_root to configure. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Deliver a MESSAGE_CREATE to the current session (buffered for replay while it has no live socket); returns its id. */
  push(o: PushOptions): string {
    const id = o.id ?? this.#snowflake();
    const author = typeof o.author === "object" ? o.author : { id: "700000000000000007", username: o.author ?? "alice", bot: false };
    const d: Record<string, unknown> = {
      id,
      channel_id: o.channelId,
      author: { ...author, global_name: null, discriminator: "0", avatar: null },
      content: o.mention ? `<@${BOT_ID}> ${o.content}` : o.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: o.mention ? [{ id: BOT_ID, username: "bosun", bot: true }] : [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      type: o.replyToBot ? 19 : 0,
    };
    if (o.guildId) {
      d.guild_id = o.guildId;
      d.member = { roles: [], joined_at: new Date().toISOString() };
    }
    if (o.channelType !== undefined) d.channel_type = o.channelType;
    if (o.replyToBot) {
      d.message_reference = { message_id: o.replyToBot, channel_id: o.channelId };
      d.referenced_message = { id: o.replyToBot, channel_id: o.channelId, author: { id: BOT_ID, username: "bosun", bot: true }, content: "earlier" };
    }
    this.#dispatch("MESSAGE_CREATE", d);
    return id;
  }

  /** Op 7: ask the client to reconnect and resume. */
  requestReconnect(): void {
    this.#send(this.#current?.socket ?? null, { op: 7, d: null });
  }

  /** Op 9: the session is invalid (resumable or not). */
  invalidateSession(resumable: boolean): void {
    const s = this.#current;
    if (!s) return;
    if (!resumable) this.#sessions.delete(s.id);
    this.#send(s.socket, { op: 9, d: resumable });
  }

  /** Close the live gateway connection with `code`. */
  closeGateway(code: number, reason = ""): void {
    this.#current?.socket?.close(code, reason);
  }

  /** The current session's last sequence number (0 before any). */
  get seq(): number {
    return this.#current?.seq ?? 0;
  }

  /** The live connection, if any, is attached to a session. */
  get live(): boolean {
    return this.#current?.socket != null;
  }

  async stop(): Promise<void> {
    await this.#server.stop(true);
  }

  #snowflake(): string {
    this.#nextId += 1n;
    return this.#nextId.toString();
  }

  /** Send anything on the live gateway socket: a frame as JSON, or a string as it is (hostile-input tests). */
  sendRaw(frame: unknown): void {
    const ws = this.#current?.socket ?? null;
    if (ws && ws.readyState === 1) ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  #send(ws: ServerWebSocket<Conn> | null, payload: unknown): void {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(payload));
  }

  #dispatch(t: string, d: unknown, session = this.#current): void {
    if (!session) {
      this.log.push(`dropped ${t}: no session`);
      return;
    }
    const ev = { s: ++session.seq, t, d };
    session.events.push(ev);
    this.log.push(`dispatch ${t} s=${ev.s}${session.socket && this.acks ? "" : " (buffered)"}`);
    if (this.acks) this.#send(session.socket, { op: 0, ...ev });
  }

  #listen(port: number): void {
    this.#server = Bun.serve<Conn, never>({
      hostname: "127.0.0.1",
      port,
      idleTimeout: 0,
      fetch: (req, server) => {
        const url = new URL(req.url);
        if (url.pathname === "/gateway" || url.pathname === "/resume") {
          if (url.searchParams.get("v") !== "10" || url.searchParams.get("encoding") !== "json") return new Response("bad gateway query", { status: 400 });
          if (server.upgrade(req, { data: { path: url.pathname, session: null, identified: false } })) return undefined;
          return new Response("upgrade failed", { status: 400 });
        }
        return this.#rest(req, url);
      },
      websocket: {
        open: (ws) => {
          this.connections++;
          this.connectedAt.push(Date.now());
          this.log.push(`open ${ws.data.path}`);
          ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null }));
        },
        message: (ws, raw) => this.#onFrame(ws, String(raw)),
        close: (ws, code) => {
          this.log.push(`closed by client ${code}`);
          const s = ws.data.session;
          if (s && s.socket === ws) s.socket = null;
          // A 1000/1001 close ends the session on Discord: it cannot be resumed.
          if (s && (code === 1000 || code === 1001)) this.#sessions.delete(s.id);
        },
      },
    });
  }

  #onFrame(ws: ServerWebSocket<Conn>, raw: string): void {
    let p: { op?: unknown; d?: unknown };
    try {
      p = JSON.parse(raw) as typeof p;
    } catch {
      ws.close(4002, "Error while decoding payload.");
      return;
    }
    const d = (p.d ?? {}) as Record<string, unknown>;
    switch (p.op) {
      case 1:
        if (this.acks) ws.send(JSON.stringify({ op: 11 }));
        return;
      case 2: {
        this.identifies++;
        this.log.push("identify");
        if (ws.data.identified) return void ws.close(4005, "Already authenticated.");
        if (d.token !== this.token) return void ws.close(4004, "Authentication failed.");
        if (this.closeOnIdentify !== null) return void ws.close(this.closeOnIdentify, "refused");
        if (d.intents !== INTENTS) return void ws.close(4013, "Invalid intent(s).");
        const props = d.properties as Record<string, unknown> | undefined;
        if (!props || typeof props.os !== "string") return void ws.close(4002, "Error while decoding payload.");
        ws.data.identified = true;
        const session: Session = { id: crypto.randomUUID().replaceAll("-", ""), seq: 0, events: [], socket: ws };
        this.#sessions.set(session.id, session);
        ws.data.session = session;
        if (this.#current?.socket && this.#current.socket !== ws) this.#current.socket = null;
        this.#current = session;
        this.#dispatch(
          "READY",
          {
            v: 10,
            user: { id: BOT_ID, username: "bosun", discriminator: "0", bot: true, global_name: null },
            guilds: [],
            session_id: session.id,
            resume_gateway_url: `ws://127.0.0.1:${this.port}/resume`,
            shard: [0, 1],
            application: { id: BOT_ID, flags: 0 },
          },
          session,
        );
        return;
      }
      case 6: {
        this.resumes++;
        const session = typeof d.session_id === "string" ? this.#sessions.get(d.session_id) : undefined;
        this.log.push(`resume seq=${String(d.seq)}${session ? "" : " (unknown session)"}`);
        if (d.token !== this.token) return void ws.close(4004, "Authentication failed.");
        if (!session || typeof d.seq !== "number") return void ws.send(JSON.stringify({ op: 9, d: false }));
        this.acks = true;
        ws.data.identified = true;
        ws.data.session = session;
        if (session.socket && session.socket !== ws) session.socket.close(4000, "resumed elsewhere");
        session.socket = ws;
        this.#current = session;
        const seq = d.seq;
        for (const ev of session.events) if (ev.s > seq) ws.send(JSON.stringify({ op: 0, ...ev }));
        this.#dispatch("RESUMED", {}, session);
        return;
      }
      default:
        ws.close(4001, "Unknown opcode.");
    }
  }

  async #rest(req: Request, url: URL): Promise<Response> {
    const path = url.pathname.replace(/^\/api\/v10/, "");
    if (!url.pathname.startsWith("/api/v10/")) return json(404, { message: "404: Not Found", code: 0 });
    if (req.headers.get("authorization") !== `Bot ${this.token}`) return json(401, { message: "401: Unauthorized", code: 0 });
    const limits = { "x-ratelimit-limit": "5", "x-ratelimit-remaining": "4", "x-ratelimit-reset-after": "1", "x-ratelimit-bucket": "fakebucket" };
    if (req.method === "GET" && path === "/gateway/bot") {
      this.gatewayBotCalls++;
      return json(200, { url: `ws://127.0.0.1:${this.port}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } }, limits);
    }
    if (req.method === "GET" && path === "/applications/@me") return json(200, { id: BOT_ID, name: "bosun", flags: this.applicationFlags, bot_public: false }, limits);
    if (req.method === "GET" && path === "/users/@me") return json(200, { id: BOT_ID, username: "bosun", discriminator: "0", bot: true, global_name: null }, limits);
    let m = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (m && req.method === "POST") {
      const channelId = m[1]!;
      if (this.rateLimitSends > 0) {
        this.rateLimitSends--;
        this.rateLimited.push(Date.now());
        return json(
          429,
          { message: "You are being rate limited.", retry_after: this.retryAfterS, global: false },
          { "retry-after": String(this.retryAfterS), "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": String(this.retryAfterS), "x-ratelimit-bucket": "fakebucket", "x-ratelimit-scope": "user" },
        );
      }
      const body = (await req.json().catch(() => null)) as Record<string, unknown> | null;
      if (!body || typeof body.content !== "string" || body.content.trim() === "") return json(400, { message: "Cannot send an empty message", code: 50006 });
      if (body.content.length > 2000) {
        return json(400, { message: "Invalid Form Body", code: 50035, errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] } } });
      }
      if (!this.channels.has(channelId)) return json(404, { message: "Unknown Channel", code: 10003 });
      const key = `${channelId}\0${String(body.nonce)}`;
      const seen = body.enforce_nonce === true && body.nonce !== undefined ? this.#nonces.get(key) : undefined;
      if (seen) return json(200, { id: seen.id, channel_id: channelId, content: seen.content, nonce: seen.nonce }, limits);
      const sent: SentMessage = {
        channelId,
        id: this.#snowflake(),
        content: body.content,
        nonce: body.nonce,
        enforceNonce: body.enforce_nonce,
        reference: body.message_reference as SentMessage["reference"],
        allowedMentions: body.allowed_mentions,
        at: Date.now(),
      };
      this.sent.push(sent);
      if (body.enforce_nonce === true && body.nonce !== undefined) this.#nonces.set(key, sent);
      // Discord dispatches the bot's own message too; the adapter must not answer it.
      const ch = this.channels.get(channelId);
      this.#dispatch("MESSAGE_CREATE", {
        id: sent.id,
        channel_id: channelId,
        ...(ch?.guild_id ? { guild_id: ch.guild_id } : {}),
        author: { id: BOT_ID, username: "bosun", bot: true },
        content: sent.content,
        mentions: [],
        type: sent.reference ? 19 : 0,
      });
      return json(200, { id: sent.id, channel_id: channelId, content: sent.content, nonce: sent.nonce }, limits);
    }
    m = /^\/channels\/(\d+)$/.exec(path);
    if (m && req.method === "GET") {
      const ch = this.channels.get(m[1]!);
      return ch ? json(200, ch, limits) : json(404, { message: "Unknown Channel", code: 10003 });
    }
    m = /^\/guilds\/(\d+)$/.exec(path);
    if (m && req.method === "GET") {
      const g = this.guilds.get(m[1]!);
      return g ? json(200, g, limits) : json(404, { message: "Unknown Guild", code: 10004 });
    }
    return json(404, { message: "404: Not Found", code: 0 });
  }
}
