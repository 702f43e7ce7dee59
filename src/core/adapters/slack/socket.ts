import type { ConsolaInstance } from "consola";
import { errorMessage } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import { TerminalError } from "../errors.ts";
import { parseFrame, type Frame } from "./map.ts";

/**
 * Our own Socket Mode client over the runtime's WebSocket (the SDK's undici shim dependency is
 * fragile in the compiled binary). Every connection gets a fresh URL; every envelope is acked
 * the moment it arrives, before anything else is done with it (Slack redelivers what is not
 * acked within a few seconds). On a `disconnect` notice the next connection is opened first
 * and the old one closed only once the new one said hello, so no event falls between them; an
 * event delivered on both is the caller's to de-duplicate (by event_id).
 */

/** A connection that sends no `hello` within this is given up. */
const HELLO_TIMEOUT_MS = 10_000;

export interface SocketModeOptions {
  /** A fresh wss:// URL (apps.connections.open). */
  openUrl: (signal: AbortSignal) => Promise<string>;
  clock: Clock;
  log: ConsolaInstance;
  /** Any frame arrived (liveness). */
  onTraffic: () => void;
  /** An envelope, already acked (or not, while `acking` is false: Slack will redeliver it). */
  onEnvelope: (frame: Extract<Frame, { type: "envelope" }>) => void;
  /** The client is finished: no connection is left and none is coming (an error unless closed by us). */
  onEnd: (err?: unknown) => void;
}

interface Conn {
  ws: WebSocket;
  id: number;
  /** A replacement for this one is being opened. */
  replacing: boolean;
}

/** The Socket Mode connections of one adapter object: normally one, two during a refresh. */
export class SocketMode {
  readonly #o: SocketModeOptions;
  readonly #stop = new AbortController();
  readonly #conns = new Set<Conn>();
  #opening = 0;
  #nextId = 1;
  #ended = false;
  /** False after stopIntake: envelopes are neither acked nor handled, so Slack delivers them again later. */
  acking = true;
  /** Connections opened so far (the first, then one per refresh). */
  opened = 0;

  constructor(o: SocketModeOptions) {
    this.#o = o;
  }

  /** Open the first connection; resolves once Slack said hello. */
  async connect(): Promise<void> {
    await this.#open();
  }

  /** A WebSocket ping on the newest connection, answered within `timeoutMs`; the socket state where the runtime cannot ping. */
  async ping(timeoutMs: number): Promise<boolean> {
    const conn = [...this.#conns].at(-1);
    if (!conn || conn.ws.readyState !== WebSocket.OPEN) return false;
    const ws = conn.ws as WebSocket & { ping?: () => void };
    if (typeof ws.ping !== "function") return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        cancel();
        ws.removeEventListener("pong", onPong);
        ws.removeEventListener("close", onClose);
        resolve(ok);
      };
      const onPong = () => {
        this.#o.onTraffic();
        done(true);
      };
      const onClose = () => done(false);
      const cancel = this.#o.clock.after(timeoutMs, () => done(false));
      ws.addEventListener("pong", onPong);
      ws.addEventListener("close", onClose);
      try {
        ws.ping!();
      } catch {
        done(false);
      }
    });
  }

  /** Close every connection; onEnd is called without an error. */
  close(): void {
    this.#stop.abort();
    for (const c of this.#conns) closeQuietly(c.ws);
    this.#conns.clear();
    this.#end();
  }

  #end(err?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stop.abort();
    for (const c of this.#conns) closeQuietly(c.ws);
    this.#conns.clear();
    this.#o.onEnd(err);
  }

  async #open(): Promise<Conn> {
    this.#opening++;
    try {
      const url = await this.#o.openUrl(this.#stop.signal);
      if (!/^wss?:\/\//i.test(url)) throw new Error("apps.connections.open returned a URL that is not ws:// or wss://");
      if (this.#stop.signal.aborted) throw new Error("stopped");
      const conn: Conn = { ws: new WebSocket(url), id: this.#nextId++, replacing: false };
      await this.#hello(conn);
      this.opened++;
      this.#conns.add(conn);
      return conn;
    } finally {
      this.#opening--;
    }
  }

  /** Wire the socket's handlers; resolve on `hello`, reject on a close, an error or the deadline first. */
  #hello(conn: Conn): Promise<void> {
    const { ws } = conn;
    return new Promise<void>((resolve, reject) => {
      let greeted = false;
      const fail = (why: string) => {
        if (greeted) return;
        greeted = true;
        cancel();
        closeQuietly(ws);
        reject(new Error(why));
      };
      const cancel = this.#o.clock.after(HELLO_TIMEOUT_MS, () => fail(`Socket Mode sent no hello within ${HELLO_TIMEOUT_MS / 1000} s`));
      const onAbort = () => fail("stopped");
      this.#stop.signal.addEventListener("abort", onAbort, { once: true });
      ws.addEventListener("message", (ev: MessageEvent) => {
        if (typeof ev.data !== "string") return;
        this.#o.onTraffic();
        const frame = parseFrame(ev.data);
        if (!frame) {
          this.#o.log.debug("slack: a Socket Mode frame that is not a JSON object was ignored");
          return;
        }
        if (frame.type === "hello" && !greeted) {
          greeted = true;
          cancel();
          this.#stop.signal.removeEventListener("abort", onAbort);
          resolve();
          return;
        }
        this.#frame(conn, frame);
      });
      // Slack pings every few seconds; runtimes that surface it (Bun) keep liveness fresh on a quiet workspace.
      ws.addEventListener("ping", () => this.#o.onTraffic());
      ws.addEventListener("error", () => fail("Socket Mode connection failed"));
      ws.addEventListener("close", (ev: CloseEvent) => {
        fail(`Socket Mode connection closed before hello (code ${ev.code})`);
        this.#closed(conn, ev.code);
      });
    });
  }

  #frame(conn: Conn, frame: Frame): void {
    if (frame.type === "envelope") {
      if (!this.acking) return;
      try {
        conn.ws.send(JSON.stringify({ envelope_id: frame.envelopeId }));
      } catch (err) {
        // Not acked: Slack delivers it again, on this or the next connection.
        this.#o.log.debug(`slack: ack not sent: ${errorMessage(err)}`);
        return;
      }
      this.#o.onEnvelope(frame);
      return;
    }
    if (frame.type === "disconnect") {
      if (frame.reason === "link_disabled") {
        this.#end(new TerminalError("Socket Mode was turned off for this app (disconnect: link_disabled)"));
        return;
      }
      this.#replace(conn, frame.reason);
    }
  }

  /** Open the next connection, then close `old`: it is never the only way in while the new one comes up. */
  #replace(old: Conn, reason: string): void {
    if (old.replacing || this.#ended) return;
    old.replacing = true;
    this.#o.log.debug(`slack: Socket Mode asked to reconnect (${reason}); opening the next connection`);
    this.#open().then(
      () => {
        this.#conns.delete(old);
        closeQuietly(old.ws);
      },
      (err: unknown) => {
        if (this.#ended) return;
        this.#o.log.warn(`slack: the next Socket Mode connection could not be opened: ${errorMessage(err)}`);
        // The old one may still be open (a later notice tries again); when it closes with nothing left, the stream ends and the supervisor reconnects.
        old.replacing = false;
        // A refused app token will not be accepted on the next try either: failed now, with why.
        if (this.#conns.size === 0 || err instanceof TerminalError) this.#end(err);
      },
    );
  }

  #closed(conn: Conn, code: number): void {
    const known = this.#conns.delete(conn);
    if (!known || this.#ended) return;
    if (this.#conns.size === 0 && this.#opening === 0) this.#end(new Error(`Socket Mode connection closed (code ${code})`));
  }
}

function closeQuietly(ws: WebSocket): void {
  try {
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000);
  } catch {
    // already closing
  }
}
