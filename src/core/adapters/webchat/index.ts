import { serve, type HttpServer, type WsPeer } from "../../platform/index.ts";
import { BosunError, errorMessage } from "../../errors.ts";
import { listenUrl, parseListen, selfHost } from "../../util/listen.ts";
import { AsyncQueue } from "../../util/queue.ts";
import type { Adapter, AdapterContext, AdapterEvent, OutboundMessage, TurnProgress } from "../types.ts";
import type { WebchatAdapterConfig } from "./kind.ts";
import { tokenMatches } from "./auth.ts";
import { FAVICON_SVG } from "./favicon.ts";
import { historyFrame, MAX_VOICE_FRAME, parseFrame, progressFrame } from "./frames.ts";
import { decodeVoiceAudio, MAX_RECORD_SECONDS, VOICE_PER_MINUTE, VOICE_SWEEP_MS, VoiceRate, VoiceStore } from "./voice.ts";
import type { VoiceNote } from "../../voice/types.ts";
import { chatPage } from "./page.ts";
import { hostAllowed, originAllowed } from "../../util/origin.ts";

/** A message's first words, as a session title (at most 48 characters, one line). */
function firstWords(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= 48 ? line : `${line.slice(0, 47).replace(/\s+\S*$/, "")}…`;
}

/** Longest message text accepted from a browser. */
/** What open chat pages are told when a `bosun down` starts, and what a message sent after it gets. */
const STOPPING_NOTICE = "gateway stopping: replies already under way still arrive; send new messages once it is back";
const STOPPING_REFUSED = "gateway stopping: not sent; send it again once it is back";

export const MAX_TEXT = 16_000;
const CONVERSATION_RE = /^[A-Za-z0-9_-]{1,128}$/;
/** Stored messages a (re)connecting page is sent, newest last. */
export const HISTORY_LIMIT = 50;
/** Close code for a missing or wrong access token (4000-4999 are the application's). */
export const CLOSE_UNAUTHORIZED = 4401;

// media-src blob: lets the page play a spoken reply it made a Blob of.
const PAGE_CSP = "default-src 'self' 'unsafe-inline'; img-src 'self'; media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'";
const refuse = (status: number, text: string) => new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

/**
 * The webchat adapter: a chat page at `/` and a WebSocket at `/ws?conversation=ID[&token=T][&live=1]`.
 * Each browser keeps its conversation id, so a reload continues the same session. Every request
 * must name this server in Host (DNS rebinding); an upgrade must come from the chat page's own
 * origin or an allowed one; beyond loopback it must carry the access token.
 */
export function createWebchatAdapter(ctx: AdapterContext<WebchatAdapterConfig>): Adapter {
  const { config } = ctx;
  const { hostname, port } = parseListen(config.listen);
  const page = chatPage(config.title ?? "bosun", { maxChars: MAX_TEXT, maxRecordSeconds: MAX_RECORD_SECONDS });
  // Recordings live next to the state file, in a folder of this instance's own.
  const voice = new VoiceStore(`${ctx.stateFile.replace(/\.json$/, "")}.voice`, () => ctx.clock.now());
  const voiceRates = new WeakMap<WsPeer, VoiceRate>();
  // Recordings whose reply never went out are swept at start and then periodically: a gateway
  // that runs for months must not fill the store's cap with them.
  let cancelSweep: (() => void) | null = null;
  const sweepLater = () => {
    cancelSweep = ctx.clock.after(VOICE_SWEEP_MS, () => {
      voice.sweep();
      sweepLater();
    });
  };
  let server: HttpServer | null = null;
  let queue: AsyncQueue<AdapterEvent> | null = null;
  const peers = new Map<string, Set<WsPeer>>();
  let lastEventAt = 0;
  const touch = () => {
    lastEventAt = ctx.clock.now();
  };
  const sendTo = (ws: WsPeer, frame: unknown) => ws.send(JSON.stringify(frame));
  /** Set by stopIntake (a `bosun down` draining): pages are told, new messages refused; replies still go out. */
  let intakeStopped = false;
  const at = () => new Date(ctx.clock.now()).toISOString();
  /** Sockets that asked for history and live turn frames. */
  const live = new WeakSet<WsPeer>();
  const broadcastLive = (conversation: string, frame: unknown) => {
    let text: string | null = null;
    for (const ws of peers.get(conversation) ?? []) {
      if (!live.has(ws)) continue;
      ws.send((text ??= JSON.stringify(frame)));
    }
    return text !== null;
  };

  // The page re-renders the conversation from this on every connect, so a reload or a reconnect
  // shows what was said while it was away (the reply to a message sent just before it closed, too).
  const sendHistory = async (conversation: string, ws: WsPeer) => {
    const transcript = ctx.transcript;
    if (!transcript) return;
    try {
      const entries = await transcript(conversation, HISTORY_LIMIT);
      // The socket may have closed while the store answered.
      if (peers.get(conversation)?.has(ws)) sendTo(ws, historyFrame(entries, HISTORY_LIMIT));
    } catch (err) {
      ctx.log.warn(`webchat: could not load the history of conversation ${conversation}: ${errorMessage(err)}`);
    }
  };

  const onFrame = (conversation: string, ws: WsPeer, raw: string) => {
    touch();
    const frame = parseFrame(raw, MAX_TEXT);
    // As the socket does past its own bound (which only a voice frame may come near).
    if (frame.type === "invalid" && frame.tooBig) return ws.close(1009, "message too big");
    if (frame.type === "invalid") return sendTo(ws, { type: "error", ...(frame.id ? { id: frame.id } : {}), message: frame.message });
    if (frame.type === "ping") {
      sendTo(ws, { type: "pong" });
      queue?.push({ type: "activity" });
      return;
    }
    const id = frame.id ?? crypto.randomUUID();
    if (intakeStopped) return sendTo(ws, { type: "error", code: "stopping", id, message: STOPPING_REFUSED });
    if (frame.type === "voice") return onVoice(conversation, ws, frame.id, frame.audio);
    const { text } = frame;
    queue?.push({
      type: "message",
      // The page has no name to offer: its first words title the session.
      message: { id, conversation, user: "web", text, title: firstWords(text) },
      // Stored durably: only now is it "sent" for the page, and shown in the conversation's other tabs.
      accepted: () => {
        sendTo(ws, { type: "ack", id });
        const mirror = JSON.stringify({ type: "message", role: "user", id, text, at: at() });
        for (const other of peers.get(conversation) ?? []) if (other !== ws) other.send(mirror);
      },
      rejected: (reason) => sendTo(ws, { type: "error", id, message: reason.message }),
    });
  };

  // A recording: rate-limited per socket, then decoded and checked, stored durably, and only
  // then handed over (its text is empty: the runtime transcribes it before the turn).
  const onVoice = (conversation: string, ws: WsPeer, id: string, audio: string) => {
    let rate = voiceRates.get(ws);
    if (!rate) voiceRates.set(ws, (rate = new VoiceRate(() => ctx.clock.now())));
    if (!rate.take()) return sendTo(ws, { type: "error", code: "rate_limited", id, message: `too many voice messages: at most ${VOICE_PER_MINUTE} a minute` });
    const decoded = decodeVoiceAudio(audio);
    if (typeof decoded === "string") return sendTo(ws, { type: "error", id, message: decoded });
    const ref = VoiceStore.refOf(conversation, id);
    // A resend finds its recording stored already; only one written now is this frame's own.
    const storedBefore = voice.has(ref);
    let refused: string | null;
    try {
      refused = voice.save(ref, decoded.bytes);
    } catch (err) {
      ctx.log.warn(`webchat: could not store a voice message: ${errorMessage(err)}`);
      refused = "the voice message could not be stored on the gateway";
    }
    if (refused) return sendTo(ws, { type: "error", id, message: refused });
    queue?.push({
      type: "message",
      message: {
        id,
        conversation,
        user: "web",
        text: "",
        title: "Voice message",
        voice: { ref, mime: "audio/wav", durationS: decoded.info.durationS, sizeBytes: decoded.bytes.length },
      },
      accepted: () => {
        sendTo(ws, { type: "ack", id });
        const mirror = JSON.stringify({ type: "message", role: "user", id, text: "", voice: true, at: at() });
        for (const other of peers.get(conversation) ?? []) if (other !== ws) other.send(mirror);
      },
      // The id names another message: a recording written for this frame is nobody's now (one
      // stored before belongs to the earlier message, which save kept).
      rejected: (reason) => {
        if (!storedBefore) voice.remove(ref);
        sendTo(ws, { type: "error", id, message: reason.message });
      },
    });
  };

  // The reply to a recording: open pages learn what was heard (the stored user message, now its
  // transcription), and the recording is not needed again.
  const heard = async (conversation: string, replyTo: string) => {
    const ref = VoiceStore.refOf(conversation, replyTo);
    if (!voice.has(ref)) return;
    try {
      const entries = (await ctx.transcript?.(conversation, HISTORY_LIMIT)) ?? [];
      const user = entries.find((e) => e.role === "user" && e.id === replyTo);
      if (user) broadcastLive(conversation, { type: "heard", id: replyTo, text: user.text });
    } catch (err) {
      ctx.log.debug(`webchat: what was heard is not shown: ${errorMessage(err)}`);
    }
    voice.remove(ref);
  };

  const upgradeChat = (req: Request, url: URL, upgrade: Parameters<Parameters<typeof serve>[0]["fetch"]>[1]) => {
    const conversation = url.searchParams.get("conversation") ?? "";
    if (!CONVERSATION_RE.test(conversation)) return refuse(400, "?conversation= must be 1 to 128 letters, digits, _ or -");
    if (!originAllowed(req.headers.get("origin"), req.headers.get("host"), config.allowed_origins)) {
      ctx.log.debug(`refused a WebSocket from another origin`);
      return refuse(403, "this origin may not use the chat");
    }
    if (config.access_token !== undefined && !tokenMatches(url.searchParams.get("token"), config.access_token)) {
      // Upgrade, then close with a code the page understands: a refused upgrade is invisible to it.
      return upgrade(req, {
        open(ws) {
          sendTo(ws, { type: "error", code: "unauthorized", message: "access token missing or wrong: open the chat link with #token=..." });
          ws.close(CLOSE_UNAUTHORIZED, "access token required");
        },
      });
    }
    // Only a client that asks (the page does, with live=1) gets the history and a running turn's
    // frames: a script speaking the older protocol reads exactly the frames it expects.
    const wantsLive = url.searchParams.get("live") === "1";
    return upgrade(req, {
      open(ws) {
        touch();
        let set = peers.get(conversation);
        if (!set) peers.set(conversation, (set = new Set()));
        set.add(ws);
        if (wantsLive) {
          live.add(ws);
          void sendHistory(conversation, ws);
        }
      },
      message: (ws, data) => onFrame(conversation, ws, data),
      close(ws) {
        const set = peers.get(conversation);
        set?.delete(ws);
        if (set?.size === 0) peers.delete(conversation);
      },
    });
  };

  return {
    name: ctx.name,
    kind: "webchat",
    // A page resends a message it has no ack or reply for (a tab that was away); it gets the stored
    // reply again, tagged with replyTo, and tabs that already show it ignore it.
    answersDuplicates: true,
    get lastEventAt() {
      return lastEventAt;
    },
    async start(signal: AbortSignal) {
      voice.sweep();
      cancelSweep?.();
      sweepLater();
      const q = new AsyncQueue<AdapterEvent>();
      queue = q;
      server = await serve({
        hostname,
        port,
        maxWsMessageBytes: MAX_VOICE_FRAME,
        // The page answers pings and pings itself every 25 s; a socket that does neither is gone.
        idleTimeoutSec: 30,
        wsIdleTimeoutSec: 120,
        onError: (err) => ctx.log.error(`webchat: a request failed: ${errorMessage(err)}`),
        fetch(req, upgrade) {
          if (!hostAllowed(req.headers.get("host"), { listenHost: hostname, allowedHosts: config.allowed_hosts })) {
            return refuse(421, "this server does not answer to that host name");
          }
          const url = new URL(req.url);
          const read = req.method === "GET" || req.method === "HEAD";
          if (url.pathname === "/ws") return upgradeChat(req, url, upgrade);
          if (url.pathname === "/healthz" && read) return new Response("ok");
          if ((url.pathname === "/favicon.svg" || url.pathname === "/favicon.ico") && read) {
            return new Response(FAVICON_SVG, { headers: { "content-type": "image/svg+xml", "cache-control": "max-age=86400" } });
          }
          if (url.pathname === "/") {
            if (!read) return new Response("use GET", { status: 405, headers: { allow: "GET, HEAD" } });
            // The runtime leaves the body out of a HEAD answer and keeps its length.
            return new Response(page, {
              headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": PAGE_CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" },
            });
          }
          return refuse(404, "not found");
        },
      });
      touch();
      const onAbort = () => void this.shutdown();
      signal.addEventListener("abort", onAbort, { once: true });
      ctx.log.info(`webchat listening on ${listenUrl(hostname, server.port)}`);
      return q;
    },
    progress(p: TurnProgress) {
      // Best effort by contract: a socket that fails here is closed by its own error path.
      try {
        const frame = progressFrame(p);
        if (frame && broadcastLive(p.conversation, frame)) touch();
      } catch (err) {
        ctx.log.debug(`webchat: progress not shown: ${errorMessage(err)}`);
      }
    },
    async send(message: OutboundMessage) {
      if (message.replyTo) await heard(message.conversation, message.replyTo);
      const set = peers.get(message.conversation);
      if (!set || set.size === 0) {
        // A reply is in the stored transcript: the page shows it from there when it next connects.
        if (message.replyTo) {
          ctx.log.debug(`webchat: no browser on conversation ${message.conversation}; the reply waits in its history`);
          return;
        }
        throw new BosunError("not_delivered", `no browser is connected to conversation ${message.conversation}`, {
          hint: "only a browser with the chat page open on that conversation receives it; nothing was stored for later",
        });
      }
      const frame = JSON.stringify({
        type: "message",
        role: "agent",
        text: message.text,
        at: at(),
        ...(message.replyTo ? { replyTo: message.replyTo } : {}),
        ...(message.error ? { error: message.error.type } : {}),
      });
      for (const ws of set) ws.send(frame);
      touch();
    },
    // A spoken reply: to the conversation's open pages, under the reply's text. Not kept: a page
    // that connects later shows the text only.
    async sendVoice(message: OutboundMessage, note: VoiceNote) {
      const frame = {
        type: "audio",
        ...(message.replyTo ? { replyTo: message.replyTo } : {}),
        mime: note.mime,
        durationMs: note.durationMs,
        audio: Buffer.from(note.bytes.buffer, note.bytes.byteOffset, note.bytes.byteLength).toString("base64"),
      };
      if (broadcastLive(message.conversation, frame)) touch();
      else ctx.log.debug(`webchat: no page on conversation ${message.conversation}; the spoken reply is dropped (its text is stored)`);
    },

    // Recordings are read back from this instance's folder (also after a restart).
    async fetchAudio(ref: string, maxBytes: number) {
      return voice.load(ref, maxBytes);
    },

    stopIntake() {
      intakeStopped = true;
      const notice = JSON.stringify({ type: "error", code: "stopping", message: STOPPING_NOTICE });
      for (const set of peers.values()) for (const ws of set) ws.send(notice);
    },
    async shutdown() {
      const s = server;
      server = null;
      cancelSweep?.();
      cancelSweep = null;
      for (const set of peers.values()) for (const ws of set) ws.close(1001, "bosun is stopping");
      peers.clear();
      queue?.end();
      if (s) await s.stop();
    },
    async probe() {
      if (!server) return false;
      try {
        const res = await fetch(`${listenUrl(selfHost(hostname), server.port)}/healthz`, { signal: AbortSignal.timeout(2000) });
        return res.ok;
      } catch {
        return false;
      }
    },
  };
}
