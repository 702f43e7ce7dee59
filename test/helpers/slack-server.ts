/**
 * A local Slack Web API + Socket Mode server for tests: real HTTP and WebSocket on 127.0.0.1,
 * the real method paths (`/api/{method}`), bearer tokens in the Authorization header, Slack's
 * JSON shapes (`ok:false` errors with HTTP 200, 429 with Retry-After), and Socket Mode's frames
 * (hello, events_api envelopes, disconnect) with ack recording. Switches make it misbehave the
 * way Slack does; an envelope not acked in time is delivered again, as Slack does.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { waitUntil } from "./wait.ts";

export interface PostedMessage {
  channel: string;
  text: string;
  thread_ts?: string;
  ts: string;
  at: number;
}

export interface RequestRecord {
  method: string;
  /** The bearer token sent, if any. */
  token?: string;
  body: Record<string, unknown>;
  status: number;
  at: number;
}

export interface Envelope {
  envelopeId: string;
  eventId: string;
  /** The connection it went out on. */
  conn: number;
  sentAt: number;
  ackedAt?: number;
  retryAttempt: number;
}

export interface PushOptions {
  channel?: string;
  text?: string;
  user?: string;
  type?: "message" | "app_mention";
  thread_ts?: string;
  subtype?: string;
  bot_id?: string;
  channel_type?: string;
  /** Reuse an event id (a redelivery Slack makes as a new envelope). */
  eventId?: string;
  ts?: string;
}

interface Conn {
  id: number;
  ws: WebSocket;
  closed: boolean;
  /** Who ended it: "client" when the adapter closed it, "server" when this server did. */
  closedBy?: "client" | "server";
  openedAt: number;
  closedAt?: number;
}

export class SlackTestServer {
  readonly appToken = "xapp-1-A0TEST-1-apptokentestvalue0123456789";
  readonly botToken = "xoxb-1-2-bottokentestvalue0123456789";
  readonly botUserId = "UBOT0001";
  readonly url: string;
  /** Error code apps.connections.open / auth.test answer with when set (e.g. "invalid_auth"). */
  rejectAppToken: string | null = null;
  rejectBotToken: string | null = null;
  /** Answer chat.postMessage for a channel with this ok:false error (null = deliver). */
  refusePost: ((channel: string) => string | null) | null = null;
  /** Un-acked envelopes are delivered again after this long. */
  redeliverAfterMs = 2_000;
  readonly channels = new Map<string, string>([["C0GENERAL", "general"]]);
  readonly requests: RequestRecord[] = [];
  readonly posted: PostedMessage[] = [];
  readonly envelopes: Envelope[] = [];
  readonly conns: Conn[] = [];
  /** Envelope ids acked on a connection that never carried them, or twice. */
  readonly strayAcks: string[] = [];
  #rateLimitOnce: number | null = null;
  #failOnce: string | null = null;
  #tickets = new Set<string>();
  #seq = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #pending: Array<{ event: Record<string, unknown>; eventId: string; retryAttempt: number }> = [];

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    port: number,
  ) {
    this.url = `http://127.0.0.1:${port}/api`;
  }

  static async start(): Promise<SlackTestServer> {
    const wss = new WebSocketServer({ noServer: true });
    let self: SlackTestServer | null = null;
    const http = createServer((req, res) => void self!.#handle(req, res));
    http.on("upgrade", (req, socket, head) => {
      const ticket = new URL(req.url ?? "/", "http://x").searchParams.get("ticket") ?? "";
      if (!req.url?.startsWith("/link/") || !self!.#tickets.delete(ticket)) {
        socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => self!.#connected(ws));
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    self = new SlackTestServer(http, wss, (http.address() as AddressInfo).port);
    return self;
  }

  /** The next chat.postMessage answers HTTP 429 with `Retry-After: retryAfterS`. */
  rateLimitNextPost(retryAfterS: number): void {
    this.#rateLimitOnce = retryAfterS;
  }

  /** The next chat.postMessage answers `{"ok":false,"error":code}`. */
  failNextPost(code: string): void {
    this.#failOnce = code;
  }

  get openConns(): Conn[] {
    return this.conns.filter((c) => !c.closed);
  }

  /** Times apps.connections.open was called (successfully or not). */
  get connectionsOpened(): number {
    return this.requests.filter((r) => r.method === "apps.connections.open").length;
  }

  /**
   * Deliver an Events API envelope on the newest open connection (or, with none open, on the next
   * one to say hello). Returns the event's ids.
   */
  pushEvent(o: PushOptions = {}): { eventId: string; ts: string } {
    const n = ++this.#seq;
    const ts = o.ts ?? `${1_700_000_000 + n}.${String(n).padStart(6, "0")}`;
    const channel = o.channel ?? "C0GENERAL";
    const event: Record<string, unknown> = {
      type: o.type ?? "app_mention",
      text: o.text ?? "hello",
      user: o.user ?? "U0HUMAN",
      ts,
      channel,
      event_ts: ts,
    };
    if ((o.type ?? "app_mention") === "message") event.channel_type = o.channel_type ?? (channel.startsWith("D") ? "im" : "channel");
    if (o.thread_ts) event.thread_ts = o.thread_ts;
    if (o.subtype) event.subtype = o.subtype;
    if (o.bot_id) event.bot_id = o.bot_id;
    const eventId = o.eventId ?? `Ev${String(n).padStart(8, "0")}`;
    this.#deliver(event, eventId, 0);
    return { eventId, ts };
  }

  /** Send `{"type":"disconnect","reason":…}` on the newest open connection; close it from here after `closeAfterMs` unless the client did. */
  disconnect(reason: "refresh_requested" | "warning" | "link_disabled", closeAfterMs = 10_000): Conn | undefined {
    const conn = this.openConns.at(-1);
    if (!conn) return undefined;
    conn.ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "wss-test.slack.com" } }));
    this.#later(closeAfterMs, () => this.#close(conn));
    return conn;
  }

  /** Drop the newest connection without notice (a network cut). */
  drop(): void {
    const conn = this.openConns.at(-1);
    if (conn) {
      conn.closed = true;
      conn.closedBy = "server";
      conn.ws.terminate();
    }
  }

  async waitForPosted(pred: (m: PostedMessage) => boolean, timeoutMs = 10_000): Promise<PostedMessage> {
    return waitUntil(() => this.posted.find(pred), "a matching chat.postMessage", timeoutMs);
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    for (const c of this.conns) c.ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #close(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.closedBy = "server";
    conn.ws.close(1000);
  }

  #deliver(event: Record<string, unknown>, eventId: string, retryAttempt: number): void {
    const conn = this.openConns.at(-1);
    if (!conn) {
      this.#pending.push({ event, eventId, retryAttempt });
      return;
    }
    const envelopeId = randomUUID();
    const env: Envelope = { envelopeId, eventId, conn: conn.id, sentAt: Date.now(), retryAttempt };
    this.envelopes.push(env);
    conn.ws.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type: "events_api",
        accepts_response_payload: false,
        retry_attempt: retryAttempt,
        retry_reason: retryAttempt > 0 ? "timeout" : "",
        payload: { team_id: "T0TEST", api_app_id: "A0TEST", type: "event_callback", event_id: eventId, event_time: Math.floor(Date.now() / 1000), event },
      }),
    );
    this.#later(this.redeliverAfterMs, () => {
      if (env.ackedAt === undefined && retryAttempt < 3) this.#deliver(event, eventId, retryAttempt + 1);
    });
  }

  #connected(ws: WebSocket): void {
    const conn: Conn = { id: this.conns.length + 1, ws, closed: false, openedAt: performance.now() };
    this.conns.push(conn);
    ws.on("close", () => {
      conn.closedAt = performance.now();
      if (!conn.closed) {
        conn.closed = true;
        conn.closedBy = "client";
      }
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      let v: { envelope_id?: unknown };
      try {
        v = JSON.parse(String(data));
      } catch {
        return;
      }
      const env = this.envelopes.find((e) => e.envelopeId === v.envelope_id);
      if (!env || env.conn !== conn.id || env.ackedAt !== undefined) {
        this.strayAcks.push(String(v.envelope_id));
        return;
      }
      env.ackedAt = Date.now();
    });
    ws.send(JSON.stringify({ type: "hello", num_connections: this.openConns.length, connection_info: { app_id: "A0TEST" }, debug_info: { host: "applink-test", approximate_connection_time: 3600 } }));
    for (const p of this.#pending.splice(0)) this.#deliver(p.event, p.eventId, p.retryAttempt);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: Record<string, unknown> = {};
    try {
      const ct = req.headers["content-type"] ?? "";
      body = ct.includes("json") ? (JSON.parse(raw || "{}") as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
    } catch {
      body = {};
    }
    const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0]!;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const rec: RequestRecord = { method, token, body, status: 200, at: Date.now() };
    this.requests.push(rec);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(json));
    };
    const fail = (error: string) => send(200, { ok: false, error });
    const needBot = (): boolean => {
      if (!token) return fail("not_authed"), false;
      if (token.startsWith("xapp-")) return fail("not_allowed_token_type"), false;
      if (token !== this.botToken) return fail("invalid_auth"), false;
      if (this.rejectBotToken) return fail(this.rejectBotToken), false;
      return true;
    };
    switch (method) {
      case "apps.connections.open": {
        if (!token) return fail("not_authed");
        if (!token.startsWith("xapp-")) return fail("not_allowed_token_type");
        if (token !== this.appToken || this.rejectAppToken) return fail(this.rejectAppToken ?? "invalid_auth");
        const ticket = randomUUID();
        this.#tickets.add(ticket);
        const port = (this.http.address() as AddressInfo).port;
        return send(200, { ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=A0TEST` });
      }
      case "auth.test":
        if (!needBot()) return;
        return send(200, { ok: true, url: "https://test.slack.com/", team: "Test Team", user: "bosun", team_id: "T0TEST", user_id: this.botUserId, bot_id: "B0BOSUN" });
      case "conversations.info": {
        if (!needBot()) return;
        const id = String(body.channel ?? "");
        const name = this.channels.get(id);
        if (name !== undefined) return send(200, { ok: true, channel: { id, name, is_channel: true } });
        if (id.startsWith("D")) return send(200, { ok: true, channel: { id, is_im: true, user: "U0HUMAN" } });
        return fail("channel_not_found");
      }
      case "chat.postMessage": {
        if (!needBot()) return;
        if (this.#rateLimitOnce !== null) {
          const s = this.#rateLimitOnce;
          this.#rateLimitOnce = null;
          return send(429, { ok: false, error: "ratelimited" }, { "retry-after": String(s) });
        }
        if (this.#failOnce !== null) {
          const code = this.#failOnce;
          this.#failOnce = null;
          return fail(code);
        }
        const channel = String(body.channel ?? "");
        const text = typeof body.text === "string" ? body.text : "";
        if (!/^[CDG][A-Z0-9]+$/.test(channel)) return fail("channel_not_found");
        if (text === "") return fail("no_text");
        if (text.length > 40_000) return fail("msg_too_long");
        const refused = this.refusePost?.(channel);
        if (refused) return fail(refused);
        const n = ++this.#seq;
        const ts = `${1_800_000_000 + n}.${String(n).padStart(6, "0")}`;
        const m: PostedMessage = { channel, text, ts, at: Date.now() };
        if (typeof body.thread_ts === "string") m.thread_ts = body.thread_ts;
        this.posted.push(m);
        return send(200, { ok: true, channel, ts, message: { type: "message", text, user: this.botUserId, bot_id: "B0BOSUN", ts, thread_ts: m.thread_ts } });
      }
      default:
        return fail("unknown_method");
    }
  }
}
