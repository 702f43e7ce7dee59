/**
 * A local model-file server for download tests: real HTTP on 127.0.0.1 (node:http, so a test can
 * cut a socket mid-body), generated files with known checksums, and switches that make it misbehave
 * the way mirrors and CDNs do (no Range support, dropped connections, corrupted bytes, trickles,
 * stalled headers, throttling). Counters let a test assert exactly what went over the wire.
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname } from "node:path";

/** Ways to misbehave; set per server (start / configure) or per file (addFile / configure(path)). */
export interface Switches {
  /** Cap the body rate (bytes per second). */
  throttleBytesPerSec?: number;
  /** Honour `Range` (default true); when false every GET gets a 200 with the full body. */
  ranges?: boolean;
  /** Destroy the socket after this many body bytes of a response. */
  dropAfterBytes?: number;
  /** How many responses get dropped (default 1; Infinity = every time). */
  dropTimes?: number;
  /** Serve different bytes than the advertised checksums describe. */
  corrupt?: boolean;
  /** Send `bytes` body bytes (default 1), then stall `stallMs` (default: until the client goes away). */
  trickle?: boolean | { bytes?: number; stallMs?: number };
  /** Answer every request for the file with this status and a short text body (e.g. 503). */
  failStatus?: number;
  /** Wait this long before sending response headers (Infinity = never). */
  stallHeadersMs?: number;
  /** Send nothing for a request until this settles (a test opens the gate when it is ready). */
  hold?: Promise<unknown>;
  /** Omit Content-Length (chunked transfer encoding), so only the body's end tells the length. */
  chunked?: boolean;
  /** Serve at most this many bytes per 206 (like CDNs that cap ranges); the client must ask again. */
  maxRangeBytes?: number;
  /** Body chunk size in bytes (default 256 KiB). */
  chunkBytes?: number;
}

export interface ServedFile {
  /** Absolute URL of the file on this server. */
  url: string;
  path: string;
  size: number;
  sha256: string;
  sha1: string;
  md5: string;
}

export interface RangedRequest {
  range: string;
  status: number;
}

export interface PathStats {
  /** Every request for the path (any method, any status). */
  requests: number;
  /** 200 responses with a body: full downloads started. */
  fullBodies: number;
  /** Requests that carried a Range header, with the status they got. */
  ranged: RangedRequest[];
  /** Body bytes written to sockets. */
  bytesSent: number;
  /** Responses cut short by dropAfterBytes. */
  drops: number;
}

interface Entry {
  size: number;
  /** Bytes [offset, offset+len) of the genuine content. */
  read(offset: number, len: number): Buffer;
  switches: Switches;
  info: ServedFile;
}

const BLOCK = 1 << 20;

/** Deterministic pseudo-random bytes (xorshift32) — cheap to regenerate, identical for a seed. */
function pseudoRandom(len: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(len / 4));
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, len);
}

/**
 * Generated content: a 1 MiB random block repeated, each copy stamped with its block index, so a
 * multi-GiB file costs 1 MiB of memory and every block differs (a misplaced resume changes the hash).
 */
function generated(seed: number): (offset: number, len: number) => Buffer {
  const base = pseudoRandom(BLOCK, seed);
  const stamp = Buffer.alloc(8);
  return (offset, len) => {
    const out = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const pos = offset + done;
      const k = Math.floor(pos / BLOCK);
      const within = pos - k * BLOCK;
      const n = Math.min(BLOCK - within, len - done);
      base.copy(out, done, within, within + n);
      if (within < 8) {
        stamp.writeUInt32LE(k >>> 0, 0);
        stamp.writeUInt32LE(Math.floor(k / 2 ** 32), 4);
        stamp.copy(out, done, within, Math.min(8, within + n));
      }
      done += n;
    }
    return out;
  };
}

function digests(size: number, read: (o: number, l: number) => Buffer): { sha256: string; sha1: string; md5: string } {
  const h256 = createHash("sha256");
  const h1 = createHash("sha1");
  const h5 = createHash("md5");
  for (let off = 0; off < size; off += BLOCK) {
    const b = read(off, Math.min(BLOCK, size - off));
    h256.update(b);
    h1.update(b);
    h5.update(b);
  }
  return { sha256: h256.digest("hex"), sha1: h1.digest("hex"), md5: h5.digest("hex") };
}

/** The deterministic generated content of `{size, seed}`, for tests that need the expected bytes. */
export function generatedBytes(size: number, seed: number): Buffer {
  return generated(seed)(0, size);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Parse `bytes=a-b` / `bytes=a-` (single range only); null when unsupported or malformed. */
function parseRange(header: string, size: number): { start: number; end: number } | "unsatisfiable" | null {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

export class ModelServer {
  private server!: Server;
  private readonly files = new Map<string, Entry>();
  private readonly counters = new Map<string, PathStats>();
  private requestWaiters: Array<{ path: string; n: number; resolve: () => void }> = [];
  private readonly dropsLeft = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private base = "";
  private defaults: Switches;

  private constructor(defaults: Switches) {
    this.defaults = { ...defaults };
  }

  /** Start listening on 127.0.0.1 on a free port. */
  static async start(defaults: Switches = {}): Promise<ModelServer> {
    const s = new ModelServer(defaults);
    s.server = createServer((req, res) => void s.handle(req, res));
    s.server.on("connection", (sock) => {
      s.sockets.add(sock);
      sock.on("close", () => s.sockets.delete(sock));
    });
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.server.listen(0, "127.0.0.1", () => resolve());
    });
    s.base = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  /** Base URL, e.g. http://127.0.0.1:41234. */
  get url(): string {
    return this.base;
  }

  /** Serve `bytes`, or generated content of `{size, seed}`, at `path` (leading slash optional). */
  addFile(path: string, content: Uint8Array | { size: number; seed?: number }, switches: Switches = {}): ServedFile {
    const p = path.startsWith("/") ? path : `/${path}`;
    let size: number;
    let read: (o: number, l: number) => Buffer;
    if (content instanceof Uint8Array) {
      const buf = Buffer.from(content);
      size = buf.length;
      read = (o, l) => buf.subarray(o, o + l);
    } else {
      size = content.size;
      read = generated(content.seed ?? 1);
    }
    const info: ServedFile = { url: this.base + p, path: p, size, ...digests(size, read) };
    this.files.set(p, { size, read, switches: { ...switches }, info });
    this.dropsLeft.delete(p);
    return info;
  }

  /** Change switches of the server (no path) or of one file; merged over what is set. Setting a drop switch re-arms its count. */
  configure(switches: Switches): void;
  configure(path: string, switches: Switches): void;
  configure(a: string | Switches, b?: Switches): void {
    if (typeof a !== "string") {
      this.defaults = { ...this.defaults, ...a };
      if ("dropAfterBytes" in a || "dropTimes" in a) this.dropsLeft.clear();
      return;
    }
    const e = this.files.get(a.startsWith("/") ? a : `/${a}`);
    if (!e) throw new Error(`no file at ${a}`);
    e.switches = { ...e.switches, ...b };
    if (b && ("dropAfterBytes" in b || "dropTimes" in b)) this.dropsLeft.delete(e.info.path);
  }

  /**
   * Write the first `length` genuine bytes of the file at `path` to `dest` (a kept `.part`), in
   * blocks, so a prefix of a large generated file never sits in memory whole.
   */
  writePrefix(path: string, dest: string, length: number): void {
    const e = this.files.get(path.startsWith("/") ? path : `/${path}`);
    if (!e) throw new Error(`no file at ${path}`);
    if (length > e.size) throw new Error(`${path} has only ${e.size} bytes`);
    mkdirSync(dirname(dest), { recursive: true });
    const fd = openSync(dest, "w", 0o600);
    try {
      for (let off = 0; off < length; ) {
        const block = e.read(off, Math.min(8 * BLOCK, length - off));
        for (let done = 0; done < block.length; ) done += writeSync(fd, block, done, block.length - done, off + done);
        off += block.length;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Counters of one path (zeros when never requested). */
  stats(path: string): PathStats {
    const p = path.startsWith("/") ? path : `/${path}`;
    const s = this.counters.get(p);
    return s ? { ...s, ranged: [...s.ranged] } : { requests: 0, fullBodies: 0, ranged: [], bytesSent: 0, drops: 0 };
  }

  /** Resolves once the path has had `n` requests (counting those already made). */
  requested(path: string, n = 1): Promise<void> {
    const p = path.startsWith("/") ? path : `/${path}`;
    if (this.stats(p).requests >= n) return Promise.resolve();
    return new Promise((resolve) => this.requestWaiters.push({ path: p, n, resolve }));
  }

  /** Forget all counters. */
  resetStats(): void {
    this.counters.clear();
  }

  /** Stop listening and cut every open connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private statsFor(p: string): PathStats {
    let s = this.counters.get(p);
    if (!s) {
      s = { requests: 0, fullBodies: 0, ranged: [], bytesSent: 0, drops: 0 };
      this.counters.set(p, s);
    }
    return s;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = new URL(req.url ?? "/", this.base).pathname;
    const stats = this.statsFor(p);
    stats.requests++;
    this.requestWaiters = this.requestWaiters.filter((w) => (w.path === p && stats.requests >= w.n ? (w.resolve(), false) : true));
    const entry = this.files.get(p);
    const sw: Switches = { ...this.defaults, ...(entry?.switches ?? {}) };
    const range = req.headers.range;
    if (sw.hold) {
      await sw.hold;
      if (res.destroyed || req.socket.destroyed) return;
    }
    if (sw.stallHeadersMs !== undefined && sw.stallHeadersMs > 0) {
      if (!Number.isFinite(sw.stallHeadersMs)) return; // never answer; close() cuts the socket
      await sleep(sw.stallHeadersMs);
      if (res.destroyed || req.socket.destroyed) return;
    }
    if (!entry) {
      if (range) stats.ranged.push({ range, status: 404 });
      res.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
      return;
    }
    if (sw.failStatus !== undefined) {
      if (range) stats.ranged.push({ range, status: sw.failStatus });
      res.writeHead(sw.failStatus, { "content-type": "text/plain" }).end(`status ${sw.failStatus}`);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let start = 0;
    let end = entry.size - 1;
    let status = 200;
    const headers: Record<string, string | number> = { "content-type": "application/octet-stream" };
    if (sw.ranges !== false) headers["accept-ranges"] = "bytes";
    if (range && sw.ranges !== false) {
      const r = parseRange(range, entry.size);
      if (r === "unsatisfiable") {
        stats.ranged.push({ range, status: 416 });
        res.writeHead(416, { "content-range": `bytes */${entry.size}` }).end();
        return;
      }
      if (r) {
        ({ start, end } = r);
        if (sw.maxRangeBytes !== undefined) end = Math.min(end, start + sw.maxRangeBytes - 1);
        status = 206;
        headers["content-range"] = `bytes ${start}-${end}/${entry.size}`;
      }
    }
    if (range) stats.ranged.push({ range, status });
    const length = end - start + 1;
    if (!sw.chunked) headers["content-length"] = length;
    res.writeHead(status, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    if (status === 200) stats.fullBodies++;
    await this.pump(p, entry, sw, res, start, length, stats);
  }

  /** Whether this response is one of the ones to cut short. */
  private takeDrop(p: string, sw: Switches): boolean {
    if (sw.dropAfterBytes === undefined) return false;
    const left = this.dropsLeft.get(p) ?? sw.dropTimes ?? 1;
    if (left <= 0) return false;
    this.dropsLeft.set(p, left - 1);
    return true;
  }

  private async pump(p: string, e: Entry, sw: Switches, res: ServerResponse, start: number, length: number, stats: PathStats): Promise<void> {
    let closed = false;
    res.on("close", () => (closed = true));
    const drop = this.takeDrop(p, sw);
    const limit = drop ? Math.min(length, sw.dropAfterBytes!) : length;
    const trickle = sw.trickle ? (sw.trickle === true ? {} : sw.trickle) : undefined;
    const chunk = sw.chunkBytes ?? 256 * 1024;
    const rate = sw.throttleBytesPerSec;
    const t0 = Date.now();
    let sent = 0;
    while (sent < limit && !closed) {
      let n = Math.min(chunk, limit - sent);
      if (trickle) n = Math.min(n, Math.max(0, (trickle.bytes ?? 1) - sent));
      if (rate) n = Math.min(n, Math.max(1, Math.floor(rate / 20)));
      if (n === 0) break;
      let buf = e.read(start + sent, n);
      if (sw.corrupt) buf = this.corrupted(buf, start + sent, e.size);
      const last = drop && sent + n >= limit;
      // The last bytes before a cut must reach the kernel first, so the client sees exactly `limit`.
      const ok = last ? await new Promise<boolean>((r) => res.write(buf, () => r(true))) : res.write(buf);
      sent += n;
      stats.bytesSent += n;
      if (!ok) {
        await new Promise<void>((r) => {
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            r();
          };
          res.once("drain", done);
          res.once("close", done);
        });
      }
      if (rate) {
        const due = t0 + (sent / rate) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
    }
    if (closed) return;
    if (trickle && sent < limit) {
      // Stall with the connection open: the client must give up on its own idle timer.
      if (trickle.stallMs === undefined) return;
      await sleep(trickle.stallMs);
      if (closed) return;
      return this.pump(p, e, { ...sw, trickle: false, dropAfterBytes: undefined }, res, start + sent, length - sent, stats);
    }
    if (drop && sent < length) {
      stats.drops++;
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  /** Flip one byte in every 4 KiB page: same length, different checksum. */
  private corrupted(buf: Buffer, offset: number, size: number): Buffer {
    const out = Buffer.from(buf);
    const page = 4096;
    for (let pos = Math.ceil(offset / page) * page; pos < offset + buf.length && pos < size; pos += page) out[pos - offset]! ^= 0xff;
    return out;
  }
}
