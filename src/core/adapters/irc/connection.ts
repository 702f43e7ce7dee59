import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { ConsolaInstance } from "consola";
import type { Clock } from "../../util/clock.ts";
import { SendQueue } from "./flood.ts";
import type { IrcClientOptions } from "./options.ts";
import { formatMessage, formatPrivmsg, ircLower, parseMessage, sameNick, type IrcMessage } from "./parse.ts";
import { authError, Registration, serverText } from "./register.ts";
import { privmsgTextBudget, splitText } from "./split.ts";

/** Longest line we buffer: 8191 bytes of IRCv3 tags plus the 512-byte message, rounded up. */
const MAX_LINE_BYTES = 16_384;
/** How long a clean close waits for the server to hang up after QUIT. */
const QUIT_GRACE_MS = 1_000;
/** Longest host name, for the relayed-prefix estimate before the server tells us ours. */
const MAX_HOST = 63;
/** Replies that answer a TOPIC query: the topic, no topic, not on that channel, no such channel. */
const TOPIC_REPLIES = new Set(["332", "331", "442", "403"]);

export interface IrcConnectionEvents {
  /** Any line arrived (liveness), before it is parsed. */
  onTraffic(): void;
  /** A message after registration (PING, PONG and ERROR included, already answered). */
  onMessage(msg: IrcMessage): void;
  /** The connection ended after registration: null when we closed it, else why it died. */
  onClose(error: Error | null): void;
}

const decoder = new TextDecoder("utf-8");

function socketError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  const code = err.code ?? "";
  if (code === "ECONNREFUSED") return new Error(`cannot connect to ${where}: connection refused`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new Error(`cannot resolve ${host} (${code})`);
  if (code === "ETIMEDOUT") return new Error(`connection to ${where} timed out`);
  if (code === "ECONNRESET" || code === "EPIPE") return new Error(`connection to ${where} was reset`);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/.test(code)) {
    return new Error(`the TLS certificate of ${host} was rejected (${code}); set tls_verify = false to accept it anyway`);
  }
  return new Error(`connection to ${where} failed: ${err.message}`);
}

/**
 * One IRC client connection: socket, line framing, registration, keepalive (our PING when the
 * server is quiet; no PONG within one interval kills the connection), and paced PRIVMSG output.
 * One object serves one connection; after it closes it stays closed.
 */
export class IrcConnection {
  #socket: Socket | null = null;
  #reg: Registration;
  #queue: SendQueue;
  #buf: Buffer = Buffer.alloc(0);
  #registered = false;
  #closed = false;
  #settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  #pings = new Map<string, (ok: boolean) => void>();
  /** TOPIC queries waiting for their reply, by lower-cased channel; one query serves them all. */
  #topics = new Map<string, Array<(topic: string | null) => void>>();
  #lastRx: number;
  #awaitingPong = false;
  #cancelKeepalive: (() => void) | null = null;
  #selfPrefix: string | null = null;

  constructor(
    private readonly opts: IrcClientOptions,
    private readonly events: IrcConnectionEvents,
    private readonly log: ConsolaInstance,
    /** Keepalive, probe timeouts, the QUIT grace and flood control all run on it; its timers never keep the process alive. */
    private readonly clock: Clock,
  ) {
    this.#lastRx = clock.monotonic();
    this.#reg = new Registration(opts, (c, p) => this.#write(c, p), log);
    this.#queue = new SendQueue({ burst: opts.sendBurst, intervalMs: opts.sendIntervalMs, write: (line) => this.#writeLine(line), clock });
  }

  /** Our current nick. */
  get nick(): string {
    return this.#reg.nick;
  }

  /** Capabilities the server acknowledged. */
  get capabilities(): ReadonlySet<string> {
    return this.#reg.acked;
  }

  /** True once registered and until the connection ends. */
  get connected(): boolean {
    return this.#registered && !this.#closed;
  }

  /** Connect and register; resolves after 001 once the joins are sent. */
  open(signal: AbortSignal): Promise<void> {
    if (this.#socket || this.#closed) return Promise.reject(new Error("this connection was already used"));
    if (signal.aborted) return Promise.reject(new Error("start aborted"));
    const { host, port, tls, tlsVerify } = this.opts;
    const done = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    const socket = tls
      ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: tlsVerify })
      : netConnect({ host, port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err: NodeJS.ErrnoException) => this.fail(socketError(err, host, port)));
    socket.on("close", () => {
      if (!this.#closed) this.fail(this.#registered ? new Error("the server closed the connection") : this.#reg.closedError());
    });
    signal.addEventListener("abort", () => void this.close(), { once: true });
    this.#armKeepalive(this.opts.pingIntervalMs);
    try {
      this.#reg.begin();
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
    return done;
  }

  /** Send text to a channel or nick: split into lines that fit, paced by flood control. */
  async privmsg(target: string, text: string): Promise<void> {
    if (!/^[^\s:,\0][^\s,\0]*$/.test(target) || target.length > 200) throw new Error(`${JSON.stringify(target.slice(0, 64))} is not an IRC channel or nick`);
    if (!this.connected) throw new Error("not connected to the IRC server");
    const prefix = this.#selfPrefix ?? `${this.nick}!~${this.opts.username.slice(0, 10)}@${"x".repeat(MAX_HOST)}`;
    const lines = splitText(text, { maxBytes: privmsgTextBudget(target, prefix), maxChars: this.opts.maxTextChars });
    await this.#queue.pushAll(lines.map((l) => formatPrivmsg(target, l)));
  }

  /** PING the server; true if the matching PONG arrives within `timeoutMs`. */
  ping(timeoutMs: number): Promise<boolean> {
    if (!this.connected) return Promise.resolve(false);
    const token = `bosun-probe-${randomBytes(6).toString("hex")}`;
    return new Promise<boolean>((resolve) => {
      const cancel = this.clock.after(timeoutMs, () => finish(false));
      const finish = (ok: boolean) => {
        cancel();
        this.#pings.delete(token);
        resolve(ok);
      };
      this.#pings.set(token, finish);
      try {
        this.#write("PING", [token]);
      } catch {
        finish(false);
      }
    });
  }

  /**
   * A channel's topic (TOPIC query, answered by 332 or 331), null when it has none or the server
   * says no. Sent through flood control like any line, so a burst of lookups cannot get the bot
   * kicked for flooding; callers asking about one channel at once share one query; `signal` ends
   * the wait (the reply, if it comes later, is dropped).
   */
  topic(channel: string, signal: AbortSignal): Promise<string | null> {
    if (!/^[#&+!][^\s,\x07\0]{1,199}$/.test(channel) || !this.connected || signal.aborted) return Promise.resolve(null);
    const key = ircLower(channel);
    const waiting = this.#topics.get(key);
    return new Promise<string | null>((resolve) => {
      const done = (topic: string | null) => {
        signal.removeEventListener("abort", gone);
        resolve(topic);
      };
      const gone = () => {
        const list = this.#topics.get(key)?.filter((f) => f !== done);
        if (list?.length) this.#topics.set(key, list);
        else this.#topics.delete(key);
        resolve(null);
      };
      signal.addEventListener("abort", gone, { once: true });
      if (waiting) return waiting.push(done);
      this.#topics.set(key, [done]);
      this.#queue.push(formatMessage("TOPIC", [channel])).catch(() => this.#answerTopic(key, null));
    });
  }

  /** End the connection because something is wrong with it (also used for Twitch's RECONNECT). */
  fail(error: Error): void {
    if (this.#closed) return;
    this.#teardown(error);
    this.#socket?.destroy();
    if (this.#settle) this.#settle.reject(error);
    else this.events.onClose(error);
    this.#settle = null;
  }

  /** Close cleanly: QUIT, then wait briefly for the server to hang up. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const stopped = new Error("the adapter was shut down");
    this.#teardown(stopped);
    if (this.#settle) this.#settle.reject(new Error("start aborted"));
    else this.events.onClose(null);
    this.#settle = null;
    const socket = this.#socket;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const cancel = this.clock.after(QUIT_GRACE_MS, () => {
        socket.destroy();
        resolve();
      });
      socket.once("close", () => {
        cancel();
        resolve();
      });
      try {
        if (this.#registered) socket.write(`${formatMessage("QUIT", ["bosun is stopping"])}\r\n`);
        socket.end();
      } catch {
        socket.destroy();
      }
    });
  }

  #teardown(error: Error): void {
    this.#closed = true;
    this.#cancelKeepalive?.();
    this.#cancelKeepalive = null;
    this.#queue.close(error);
    for (const finish of [...this.#pings.values()]) finish(false);
    for (const key of [...this.#topics.keys()]) this.#answerTopic(key, null);
  }

  /** Answer everyone waiting for `key`'s topic; false when nobody was (the reply is someone else's news). */
  #answerTopic(key: string, topic: string | null): boolean {
    const list = this.#topics.get(key);
    if (!list) return false;
    this.#topics.delete(key);
    for (const done of list) done(topic);
    return true;
  }

  #write(command: string, params: string[]): void {
    this.#writeLine(formatMessage(command, params));
  }

  #writeLine(line: string): void {
    const socket = this.#socket;
    if (this.#closed || !socket || socket.destroyed) throw new Error("not connected to the IRC server");
    socket.write(`${line}\r\n`);
  }

  #onData(chunk: Buffer): void {
    // After close() the server may still be talking; nothing it says matters any more.
    if (this.#closed) return;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let nl: number;
    while ((nl = this.#buf.indexOf(10)) !== -1) {
      let line = this.#buf.subarray(0, nl);
      this.#buf = this.#buf.subarray(nl + 1);
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      try {
        if (line.length > 0) this.#onLine(decoder.decode(line));
      } catch (err) {
        // A reply we could not write (or a handler bug) leaves the session in an unknown state.
        this.fail(err instanceof Error ? err : new Error(String(err)));
      }
      if (this.#closed) return;
    }
    if (this.#buf.length > MAX_LINE_BYTES) this.fail(new Error(`the server sent a line longer than ${MAX_LINE_BYTES} bytes`));
  }

  #onLine(text: string): void {
    this.#lastRx = this.clock.monotonic();
    this.#awaitingPong = false;
    this.events.onTraffic();
    let msg: IrcMessage;
    try {
      msg = parseMessage(text);
    } catch (err) {
      this.log.debug(`ignored a malformed line from the server: ${(err as Error).message}`);
      return;
    }
    switch (msg.command) {
      case "PING":
        this.#write("PONG", msg.params.length > 0 ? [msg.params[msg.params.length - 1]!] : []);
        break;
      case "PONG": {
        const token = msg.params[msg.params.length - 1] ?? "";
        this.#pings.get(token)?.(true);
        break;
      }
      case "ERROR": {
        const reason = `the server closed the connection: ${serverText(msg.params[0]) || "no reason given"}`;
        // Refused before registration for a password reason: retrying soon won't fix the credentials.
        this.fail(!this.#registered && /password|authenticat/i.test(reason) ? authError(reason) : new Error(reason));
        return;
      }
    }
    if (!this.#registered) return this.#register(msg);
    this.#track(msg);
    // Our own TOPIC query's answer is ours; a 403 for it is not a failed join to warn about.
    if (TOPIC_REPLIES.has(msg.command) && msg.params[1] && this.#answerTopic(ircLower(msg.params[1]), msg.command === "332" ? (msg.params[2] ?? null) : null)) return;
    this.events.onMessage(msg);
  }

  #register(msg: IrcMessage): void {
    const step = this.#reg.handle(msg);
    if (step instanceof Error) return this.fail(step);
    if (step !== "registered") return;
    this.#registered = true;
    this.#selfPrefix = this.#reg.selfPrefix;
    this.#reg.afterWelcome();
    this.#settle?.resolve();
    this.#settle = null;
  }

  /** Follow our own nick changes, and learn our exact `nick!user@host` from our JOIN echo. */
  #track(msg: IrcMessage): void {
    const from = msg.prefix;
    if (!from || !sameNick(from.nick, this.nick)) return;
    if (msg.command === "NICK" && msg.params[0]) {
      this.#reg.nick = msg.params[0];
      this.#selfPrefix = null;
    } else if (msg.command === "JOIN" && from.user && from.host) {
      this.#selfPrefix = from.raw;
    }
  }

  #armKeepalive(ms: number): void {
    this.#cancelKeepalive = this.clock.after(Math.max(1, ms), () => this.#keepalive());
  }

  #keepalive(): void {
    if (this.#closed) return;
    const interval = this.opts.pingIntervalMs;
    const quiet = this.clock.monotonic() - this.#lastRx;
    if (quiet < interval) return this.#armKeepalive(interval - quiet);
    if (this.#socket?.connecting) return this.fail(new Error(`connection to ${this.opts.host}:${this.opts.port} timed out`));
    if (this.#awaitingPong) return this.fail(new Error(`no PONG from server within ${interval} ms`));
    this.#awaitingPong = true;
    try {
      this.#write("PING", ["bosun-keepalive"]);
    } catch {
      // The socket is gone; its close event reports why.
    }
    this.#armKeepalive(interval);
  }
}
