import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatWithOptions } from "node:util";
import { createConsola, type LogObject } from "consola";
import { adapterConfigSchema, findAdapterKind } from "../../src/core/adapters/registry.ts";
import { systemClock, type Clock } from "../../src/core/util/clock.ts";
import type { Adapter, AdapterEvent, InboundMessage } from "../../src/core/adapters/types.ts";
import { freePort } from "./bosun.ts";
import { waitUntil } from "./wait.ts";

/** Where ngircd lives, or null when it isn't installed (tests that need it are skipped). */
export const NGIRCD: string | null = (() => {
  for (const p of ["/usr/sbin/ngircd", "/usr/bin/ngircd", "/usr/local/sbin/ngircd"]) {
    if (spawnSync("test", ["-x", p]).status === 0) return p;
  }
  const r = spawnSync("sh", ["-c", "command -v ngircd"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
})();

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export { establishedConnections } from "./proc.ts";
import { establishedConnections } from "./proc.ts";

/** A real ngircd on 127.0.0.1 with a generated config, for integration tests. */
export class Ircd {
  #child: ChildProcess | null = null;
  #stderr = "";
  /** The TLS port (self-signed certificate for 127.0.0.1) when started with `tls: true`. */
  tlsPort: number | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly serverName: string,
  ) {}

  /** Start ngircd on a free port (or the given one) and wait until it accepts connections. */
  static async start(opts: { port?: number; pingTimeoutS?: number; password?: string; tls?: boolean } = {}): Promise<Ircd> {
    if (!NGIRCD) throw new Error("ngircd is not installed (apt-get install ngircd)");
    const port = opts.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), "bosun-ircd-"));
    const ircd = new Ircd(port, dir, "irc.bosun.test");
    const ssl: string[] = [];
    if (opts.tls) {
      const key = join(dir, "key.pem");
      const cert = join(dir, "cert.pem");
      const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.stderr}`);
      ircd.tlsPort = await freePort();
      ssl.push("[SSL]", `CertFile = ${cert}`, `KeyFile = ${key}`, `Ports = ${ircd.tlsPort}`);
    }
    const conf = [
      "[Global]",
      `Name = ${ircd.serverName}`,
      "Info = bosun test server",
      "Listen = 127.0.0.1",
      `Ports = ${port}`,
      'MotdPhrase = "bosun test server"',
      ...(opts.password ? [`Password = ${opts.password}`] : []),
      "[Limits]",
      "MaxNickLength = 30",
      "MaxConnectionsIP = 0",
      "MaxJoins = 0",
      "MaxPenaltyTime = 0",
      `PingTimeout = ${opts.pingTimeoutS ?? 30}`,
      "PongTimeout = 10",
      "[Options]",
      "PAM = no",
      "Ident = no",
      "DNS = no",
      ...ssl,
      "",
    ].join("\n");
    writeFileSync(join(dir, "ngircd.conf"), conf);
    await ircd.#spawn();
    return ircd;
  }

  async #spawn(): Promise<void> {
    const child = spawn(NGIRCD!, ["--nodaemon", "--config", join(this.dir, "ngircd.conf")], { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    this.#stderr = "";
    const keep = (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-8_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    try {
      await waitUntil(
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`ngircd exited (${child.exitCode ?? child.signalCode}):\n${this.#stderr}`);
          return (await portAccepts(this.port)) && (this.tlsPort === null || (await portAccepts(this.tlsPort)));
        },
        () => `ngircd to listen on ${this.port}:\n${this.#stderr}`,
        10_000,
        25,
      );
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    }
  }

  /** The server process id (null when stopped). */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Currently established client connections, counted from the server's own sockets (registered or not). */
  connections(): number {
    const pid = this.pid;
    if (!pid || !this.running) return 0;
    return establishedConnections(pid, this.port);
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Stop the server: SIGTERM (graceful) or SIGKILL (the kernel closes every socket), and await its exit. */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill(signal);
      await exited;
    }
    this.#child = null;
  }

  /** Start again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** Freeze the server (SIGSTOP): sockets stay open but nothing answers — a silent blackhole. */
  pause(): void {
    this.#child?.kill("SIGSTOP");
  }

  /** Undo pause(). */
  resume(): void {
    this.#child?.kill("SIGCONT");
  }

  /** Stop and remove the temp dir. */
  async dispose(): Promise<void> {
    this.resume();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Collects lines from a socket and lets a test await one that matches, in order. */
export class LineLog {
  readonly lines: string[] = [];
  #cursor = 0;
  #waiters = new Set<() => void>();
  #buf = "";
  closed = false;

  /** Feed raw data. */
  feed(data: string): void {
    this.#buf += data;
    let nl: number;
    while ((nl = this.#buf.indexOf("\n")) !== -1) {
      const line = this.#buf.slice(0, nl).replace(/\r$/, "");
      this.#buf = this.#buf.slice(nl + 1);
      this.lines.push(line);
    }
    this.#wake();
  }

  /** Mark the stream closed (wakes waiters so they fail fast). */
  close(): void {
    this.closed = true;
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Resolve with the next line after the cursor matching `re` (the cursor moves past it). */
  waitFor(re: RegExp, timeoutMs = 5_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = this.#cursor; i < this.lines.length; i++) {
          if (re.test(this.lines[i]!)) {
            this.#cursor = i + 1;
            done();
            resolve(this.lines[i]!);
            return;
          }
        }
        if (this.closed) {
          done();
          reject(new Error(`connection closed before a line matching ${re}; last lines:\n${this.lines.slice(-15).join("\n")}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).join("\n")}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }
}

/** A plain IRC client for tests: registers, answers PING, records every line. */
export class RawIrcClient {
  readonly log = new LineLog();
  private constructor(
    readonly socket: Socket,
    public nick: string,
  ) {}

  /** Connect to 127.0.0.1:port, register as `nick` (with a server password if given) and wait for 001. */
  static async connect(port: number, nick: string, password?: string): Promise<RawIrcClient> {
    const socket = connect({ host: "127.0.0.1", port });
    const client = new RawIrcClient(socket, nick);
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      for (const m of d.matchAll(/^PING (.*)\r?$/gm)) socket.write(`PONG ${m[1]}\r\n`);
      client.log.feed(d);
    });
    socket.on("close", () => client.log.close());
    socket.on("error", () => client.log.close());
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    if (password) client.send(`PASS ${password}`);
    client.send(`NICK ${nick}`);
    client.send(`USER ${nick} 0 * :test client`);
    await client.log.waitFor(/^:\S+ 001 /);
    return client;
  }

  /** Send one raw line. */
  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** JOIN and wait for the end of NAMES. */
  async join(channel: string): Promise<void> {
    this.send(`JOIN ${channel}`);
    await this.log.waitFor(new RegExp(`^:\\S+ 366 \\S+ ${channel.replace(/[#&]/g, "\\$&")} `, "i"));
  }

  /** Send a PRIVMSG. */
  say(target: string, text: string): void {
    this.send(`PRIVMSG ${target} :${text}`);
  }

  /** Await the next line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string> {
    return this.log.waitFor(re, timeoutMs);
  }

  /** QUIT and await the close. */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    const closed = new Promise<void>((r) => this.socket.once("close", () => r()));
    try {
      this.send("QUIT :bye");
    } catch {
      // already gone
    }
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 1_000);
    await closed;
    clearTimeout(t);
  }
}

/** One client connection to a FakeIrcServer. */
export interface FakeClient {
  socket: Socket;
  log: LineLog;
  send(line: string): void;
}

/**
 * A scripted IRC server on loopback (for Twitch conventions and SASL, which ngircd lacks).
 * `script` sees every line from each client and may answer.
 */
export class FakeIrcServer {
  readonly clients: FakeClient[] = [];
  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  /** Listen on 127.0.0.1 with the given per-line script. */
  static async start(script: (client: FakeClient, line: string) => void): Promise<FakeIrcServer> {
    let self: FakeIrcServer | null = null;
    const server = createServer((socket) => {
      socket.setEncoding("utf8");
      const log = new LineLog();
      const client: FakeClient = { socket, log, send: (line) => void (!socket.destroyed && socket.write(`${line}\r\n`)) };
      socket.on("data", (d: string) => {
        const before = log.lines.length;
        log.feed(d);
        for (const line of log.lines.slice(before)) script(client, line);
      });
      socket.on("close", () => log.close());
      socket.on("error", () => log.close());
      self!.clients.push(client);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    self = new FakeIrcServer(server, (server.address() as { port: number }).port);
    return self;
  }

  /** Resolve with the n-th (0-based) client once it has connected. */
  async client(n = 0, timeoutMs = 5_000): Promise<FakeClient> {
    await waitUntil(() => this.clients.length > n, `client #${n}`, timeoutMs);
    return this.clients[n]!;
  }

  /** Close every client and the listener. */
  async close(): Promise<void> {
    for (const c of this.clients) c.socket.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Consumes an adapter stream in the background so a test can await messages and the end. */
export class StreamCollector {
  readonly events: AdapterEvent[] = [];
  /** Resolves when the stream ends: null for a clean end, else the error it threw. */
  readonly ended: Promise<Error | null>;
  #cursor = 0;
  #wake = new Set<() => void>();
  #done = false;

  constructor(stream: AsyncIterable<AdapterEvent>) {
    this.ended = (async () => {
      try {
        for await (const ev of stream) {
          this.events.push(ev);
          for (const w of [...this.#wake]) w();
        }
        return null;
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      } finally {
        this.#done = true;
        for (const w of [...this.#wake]) w();
      }
    })();
  }

  /** Messages received so far. */
  get messages(): InboundMessage[] {
    return this.events.flatMap((e) => (e.type === "message" ? [e.message] : []));
  }

  /** The next message not yet returned by this method. */
  nextMessage(timeoutMs = 5_000): Promise<InboundMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.messages[this.#cursor];
        if (m) {
          this.#cursor++;
          done();
          resolve(m);
        } else if (this.#done) {
          done();
          reject(new Error("the stream ended before the next message"));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no message within ${timeoutMs} ms (got ${this.messages.length} so far)`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#wake.delete(check);
      };
      this.#wake.add(check);
      check();
    });
  }

  /** Resolve with the end result, or reject if the stream is still open after `timeoutMs`. */
  endedWithin(timeoutMs: number): Promise<Error | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the stream did not end within ${timeoutMs} ms`)), timeoutMs)));
    return Promise.race([this.ended, t]).finally(() => clearTimeout(timer));
  }
}

/** An adapter built the way the gateway builds it, with its log lines captured. */
export interface AdapterHarness {
  adapter: Adapter;
  logs: string[];
}

/** Build an irc/twitch adapter from a raw config table (validated by the real schema). */
export async function makeAdapter(table: Record<string, unknown>, name = "test", clock: Clock = systemClock): Promise<AdapterHarness> {
  const config = adapterConfigSchema().parse(table);
  const logs: string[] = [];
  const log = createConsola({
    level: 5,
    reporters: [{ log: (obj: LogObject) => void logs.push(`${obj.type}: ${formatWithOptions({}, ...(obj.args as unknown[]))}`) }],
  });
  const kind = findAdapterKind(config.kind);
  if (!kind) throw new Error(`no adapter kind ${config.kind}`);
  const factory = await kind.factoryFor(config);
  const adapter = factory({ name, config, log, clock, stateFile: join(tmpdir(), `bosun-irc-state-${name}.json`) });
  return { adapter, logs };
}
