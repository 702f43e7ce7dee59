/**
 * The only module in core allowed to touch `Bun.*` or `Deno.*`. Everything else in core uses
 * web-standard and `node:` APIs, so the engine runs under both runtimes.
 */

/** A connected WebSocket peer, the same shape under every runtime. */
export interface WsPeer {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Callbacks for one upgraded WebSocket connection. */
export interface WsHandlers {
  open?(ws: WsPeer): void;
  message?(ws: WsPeer, data: string): void;
  close?(ws: WsPeer): void;
}

/** Upgrade a request; `undefined` means the runtime took the connection over (return it as is). */
export type Upgrade = (req: Request, handlers: WsHandlers) => Response | undefined;

/** Per-request control of the connection. */
export interface RequestControl {
  /** This request may wait longer than idleTimeoutSec for its answer (its handler bounds the wait itself). */
  waitLong(req: Request): void;
}

export interface ServeOptions {
  /** TCP listen address; ignored when `unix` is set. */
  hostname?: string;
  port?: number;
  /** Path of a unix socket to listen on. */
  unix?: string;
  fetch(req: Request, upgrade: Upgrade, control: RequestControl): Response | undefined | Promise<Response | undefined>;
  /**
   * Close a connection that sends nothing and awaits nothing for this long (an idle keep-alive, a
   * stalled request), in seconds, at most 255; 0 = never (the default, for the control socket).
   */
  idleTimeoutSec?: number;
  /**
   * Close a WebSocket that answers no ping for this long, in seconds (the runtime pings); 0 = never.
   */
  wsIdleTimeoutSec?: number;
  /** Largest WebSocket message accepted; a larger one closes that connection (1009). Default 1 MiB. */
  maxWsMessageBytes?: number;
  /**
   * Told about an exception thrown by a handler. The server answers 500 (HTTP) or closes that
   * one WebSocket (1011) and goes on: no handler error may stop the process.
   */
  onError?(err: unknown): void;
}

const DEFAULT_MAX_WS_MESSAGE = 1024 * 1024;
const WS_BACKPRESSURE_BYTES = 1024 * 1024;

/** Run one WebSocket callback; an exception closes that socket only. */
function guarded(opts: ServeOptions, peer: WsPeer | null, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    opts.onError?.(err);
    try {
      peer?.close(1011, "internal error");
    } catch {
      // Already closed.
    }
  }
}

/** Run the fetch handler; an exception (thrown or rejected) becomes a 500. */
async function guardedFetch(opts: ServeOptions, req: Request, upgrade: Upgrade, control: RequestControl): Promise<Response | undefined> {
  try {
    return await opts.fetch(req, upgrade, control);
  } catch (err) {
    opts.onError?.(err);
    return new Response("internal error", { status: 500 });
  }
}

export interface HttpServer {
  /** Bound TCP port (0 for unix sockets). */
  readonly port: number;
  /** Stop listening and close open connections. */
  stop(): Promise<void>;
}

interface BunWsLike {
  data: { handlers: WsHandlers; peer?: WsPeer };
  send(d: string): unknown;
  close(code?: number, reason?: string): void;
}

declare const Deno: any;

/** Name of the runtime we're on. */
export function runtimeName(): "bun" | "deno" | "node" {
  if (typeof (globalThis as any).Bun !== "undefined") return "bun";
  if (typeof (globalThis as any).Deno !== "undefined") return "deno";
  return "node";
}

/** Listen for HTTP (and WebSocket upgrades) on TCP or a unix socket. Throws when the address is taken. */
export async function serve(opts: ServeOptions): Promise<HttpServer> {
  const rt = runtimeName();
  if (rt === "bun") return serveBun(opts);
  if (rt === "deno") return serveDeno(opts);
  throw new Error("bosun's HTTP servers need Bun or Deno");
}

function serveBun(opts: ServeOptions): HttpServer {
  const B = (globalThis as any).Bun;
  const peerOf = (ws: BunWsLike): WsPeer => {
    if (!ws.data.peer) {
      ws.data.peer = {
        send: (d) => {
          // 0 means the frame was dropped: close, so the client knows to reconnect and resend.
          if (ws.send(d) === 0) ws.close(1013, "too much unsent data; reconnect");
        },
        close: (c, r) => ws.close(c, r),
      };
    }
    return ws.data.peer;
  };
  const listen = opts.unix ? { unix: opts.unix } : { hostname: opts.hostname ?? "127.0.0.1", port: opts.port ?? 0 };
  const server = B.serve({
    ...listen,
    development: false,
    // Without this a second server may bind a port that is already taken and steal its traffic.
    reusePort: false,
    idleTimeout: Math.min(255, opts.idleTimeoutSec ?? 0),
    fetch(req: Request, srv: any) {
      const upgrade: Upgrade = (r, handlers) =>
        srv.upgrade(r, { data: { handlers } }) ? undefined : new Response("WebSocket upgrade failed", { status: 400 });
      return guardedFetch(opts, req, upgrade, { waitLong: (r) => srv.timeout(r, 0) });
    },
    error(err: unknown) {
      opts.onError?.(err);
      return new Response("internal error", { status: 500 });
    },
    websocket: {
      idleTimeout: Math.min(960, opts.wsIdleTimeoutSec ?? 0),
      sendPings: true,
      maxPayloadLength: opts.maxWsMessageBytes ?? DEFAULT_MAX_WS_MESSAGE,
      // A client that stops reading must not grow our memory or lose frames without a word: past
      // this much unsent data its connection is closed, and it resends what was not acked.
      backpressureLimit: WS_BACKPRESSURE_BYTES,
      closeOnBackpressureLimit: true,
      open(ws: BunWsLike) {
        const peer = peerOf(ws);
        guarded(opts, peer, () => ws.data.handlers.open?.(peer));
      },
      message(ws: BunWsLike, msg: string | Uint8Array) {
        const peer = peerOf(ws);
        guarded(opts, peer, () => ws.data.handlers.message?.(peer, typeof msg === "string" ? msg : new TextDecoder().decode(msg)));
      },
      close(ws: BunWsLike) {
        const peer = peerOf(ws);
        guarded(opts, null, () => ws.data.handlers.close?.(peer));
      },
    },
  });
  return {
    port: opts.unix ? 0 : (server.port as number),
    async stop() {
      await server.stop(true);
    },
  };
}

async function serveDeno(opts: ServeOptions): Promise<HttpServer> {
  const handler = async (req: Request) => {
    const upgrade: Upgrade = (r, handlers) => {
      const { socket, response } = Deno.upgradeWebSocket(r);
      const max = opts.maxWsMessageBytes ?? DEFAULT_MAX_WS_MESSAGE;
      const peer: WsPeer = { send: (d) => socket.send(d), close: (c, r2) => socket.close(c, r2) };
      socket.onopen = () => guarded(opts, peer, () => handlers.open?.(peer));
      socket.onmessage = (ev: MessageEvent) => {
        const data = typeof ev.data === "string" ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer);
        // Deno has no payload limit of its own: enforce the same one Bun does, with the same close code.
        if (data.length > max) return void socket.close(1009, "message too big");
        guarded(opts, peer, () => handlers.message?.(peer, data));
      };
      socket.onclose = () => guarded(opts, null, () => handlers.close?.(peer));
      return response;
    };
    // Deno closes idle keep-alive connections by itself and has no per-request idle timer to lift.
    return (await guardedFetch(opts, req, upgrade, { waitLong: () => undefined })) ?? new Response(null, { status: 500 });
  };
  let resolveListen!: (port: number) => void;
  const listening = new Promise<number>((r) => (resolveListen = r));
  const server = opts.unix
    ? Deno.serve({ path: opts.unix, transport: "unix", onListen: () => resolveListen(0) }, handler)
    : Deno.serve({ hostname: opts.hostname ?? "127.0.0.1", port: opts.port ?? 0, onListen: (a: any) => resolveListen(a.port) }, handler);
  const port = await listening;
  return {
    port,
    async stop() {
      await server.shutdown();
    },
  };
}

/**
 * Whether the runtime can stream a response body straight into a file natively (Bun: no JS per
 * chunk); nativeWriteResponse then resolves with the bytes written.
 */
export function hasNativeFileWriter(): boolean {
  return typeof (globalThis as any).Bun?.write === "function";
}

/** See hasNativeFileWriter. */
export function nativeWriteResponse(path: string, res: Response): Promise<number> | null {
  const B = (globalThis as any).Bun;
  if (!B?.write) return null;
  return B.write(path, res) as Promise<number>;
}

/**
 * Collect garbage now and hand freed memory back to the system (Bun: a synchronous full
 * collection, and the allocator returns its free pages). Elsewhere a no-op: Deno gives a program
 * no such call.
 */
export function collectGarbage(): void {
  const B = (globalThis as any).Bun;
  if (typeof B?.gc === "function") B.gc(true);
}
