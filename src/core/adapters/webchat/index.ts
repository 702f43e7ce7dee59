import type { WebchatAdapterConfig } from "../../config/schema.ts";
import { serve, type HttpServer, type WsPeer } from "../../platform/index.ts";
import { listenUrl, parseListen, selfHost } from "../../util/listen.ts";
import { AsyncQueue } from "../../util/queue.ts";
import type { Adapter, AdapterContext, AdapterEvent, OutboundMessage } from "../types.ts";
import { chatPage } from "./page.ts";

/** Longest message text accepted from a browser. */
const MAX_TEXT = 16_000;
const CONVERSATION_RE = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The webchat adapter: a chat page at `/` and a WebSocket at `/ws?conversation=ID`.
 * Each browser keeps its conversation id, so a reload continues the same session.
 */
export function createWebchatAdapter(ctx: AdapterContext): Adapter {
  const config = ctx.config as WebchatAdapterConfig;
  const { hostname, port } = parseListen(config.listen);
  const page = chatPage(config.title ?? "bosun");
  let server: HttpServer | null = null;
  let queue: AsyncQueue<AdapterEvent> | null = null;
  const peers = new Map<string, Set<WsPeer>>();
  let lastEventAt = 0;
  const touch = () => {
    lastEventAt = ctx.now();
  };

  const onFrame = (conversation: string, ws: WsPeer, raw: string) => {
    touch();
    let frame: { type?: unknown; id?: unknown; text?: unknown };
    try {
      frame = JSON.parse(raw);
    } catch {
      ws.send(JSON.stringify({ type: "error", message: "frame is not JSON" }));
      return;
    }
    if (frame.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
      queue?.push({ type: "activity" });
      return;
    }
    if (frame.type !== "message" || typeof frame.text !== "string" || frame.text.trim() === "") {
      ws.send(JSON.stringify({ type: "error", message: 'expected {"type":"message","text":"..."}' }));
      return;
    }
    if (frame.text.length > MAX_TEXT) {
      ws.send(JSON.stringify({ type: "error", message: `message longer than ${MAX_TEXT} characters` }));
      return;
    }
    const id = typeof frame.id === "string" && frame.id.length <= 128 ? frame.id : crypto.randomUUID();
    queue?.push({ type: "message", message: { id, conversation, user: "web", text: frame.text } });
  };

  return {
    name: ctx.name,
    kind: "webchat",
    get lastEventAt() {
      return lastEventAt;
    },
    async start(signal: AbortSignal) {
      const q = new AsyncQueue<AdapterEvent>();
      queue = q;
      server = await serve({
        hostname,
        port,
        fetch(req, upgrade) {
          const url = new URL(req.url);
          if (url.pathname === "/ws") {
            const conversation = url.searchParams.get("conversation") ?? "";
            if (!CONVERSATION_RE.test(conversation)) return new Response("conversation id required", { status: 400 });
            return upgrade(req, {
              open(ws) {
                touch();
                let set = peers.get(conversation);
                if (!set) peers.set(conversation, (set = new Set()));
                set.add(ws);
              },
              message: (ws, data) => onFrame(conversation, ws, data),
              close(ws) {
                const set = peers.get(conversation);
                set?.delete(ws);
                if (set?.size === 0) peers.delete(conversation);
              },
            });
          }
          if (url.pathname === "/healthz") return new Response("ok");
          if (url.pathname === "/" && req.method === "GET") {
            return new Response(page, {
              headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": "default-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:" },
            });
          }
          return new Response("not found", { status: 404 });
        },
      });
      touch();
      const onAbort = () => void this.shutdown();
      signal.addEventListener("abort", onAbort, { once: true });
      ctx.log.info(`webchat listening on ${listenUrl(hostname, server.port)}`);
      return q;
    },
    async send(message: OutboundMessage) {
      const set = peers.get(message.conversation);
      if (!set || set.size === 0) throw new Error(`no browser is connected to conversation ${message.conversation}`);
      const frame = JSON.stringify({ type: "message", role: "agent", text: message.text, at: new Date(ctx.now()).toISOString() });
      for (const ws of set) ws.send(frame);
      touch();
    },
    async shutdown() {
      const s = server;
      server = null;
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
