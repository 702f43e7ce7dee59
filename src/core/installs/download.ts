import { chmodSync, closeSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { parseContentRange, rangeTotal } from "./content-range.ts";
import { checkUrl, DownloadError, hostOf, redactUrl, type DownloadErrorCode } from "./download-error.ts";
import { hashFile } from "./hash.ts";
import { createHasher, type StreamHasher } from "./hasher.ts";
import { PartWriter } from "./part-writer.ts";
import { hasNativeFileWriter, nativeWriteResponse } from "../platform/index.ts";
import { startTailHasher } from "./tail-hasher.ts";
import type { DownloadOptions } from "./types.ts";
import { Watchdog } from "./watchdog.ts";
import { Writeback } from "./writeback.ts";

export { DownloadError, redactUrl, type DownloadErrorCode } from "./download-error.ts";
export { verifyFile } from "./hash.ts";

export interface DownloadResult {
  /** Size of the verified file now at `dest`. */
  bytes: number;
  /** Bytes of an existing `.part` that were kept (0 when the download started from zero). */
  resumedFrom: number;
  /** Bytes that came over the network in this call. */
  received: number;
  /** Hex digest of the whole file, in the algorithm of `checksum`. */
  sha: string;
  /** How the last body was written: "native" (runtime writer + hashing worker) or "stream" (JS loop). */
  via: "native" | "stream";
  /** Background fdatasyncs that completed while the body was written (see WRITEBACK_EVERY_BYTES). */
  writebacks: number;
}

const PROGRESS_EVERY_MS = 100;
/** Requests per call: restarts after ignored/odd ranges and servers that cap range sizes. */
const MAX_REQUESTS = 64;
/**
 * Fresh bodies at least this large go through the runtime's native file writer while a worker
 * hashes the file as it grows (1 GiB on 2 cores: ~1.0 s against curl's ~1.0 s, where hashing in
 * the receive loop took ~1.4 s). Resumes and small files take the JS path.
 */
export const NATIVE_MIN_BYTES = 8 << 20;

/**
 * Download `url` to `dest`: stream into `${dest}.part` (resuming it with a Range request when the
 * server allows), verify size and checksum while streaming, and only then rename onto `dest`.
 */
export async function download(opts: DownloadOptions): Promise<DownloadResult> {
  return new Transfer(opts).run();
}

type Step = "complete" | "again";

/** One call of download(): the state that survives across its requests. */
class Transfer {
  private readonly part: string;
  private readonly safeUrl: string;
  private hash: StreamHasher;
  /** Verified-in-order bytes of the `.part` (hashed and on disk). */
  private have = 0;
  private resumedFrom = 0;
  private received = 0;
  private resumed = false;
  private lastProgress = -Infinity;
  private via: "native" | "stream" = "stream";
  private writebacks = 0;

  constructor(private readonly o: DownloadOptions) {
    this.part = `${o.dest}.part`;
    this.safeUrl = redactUrl(o.url);
    this.hash = createHasher(o.checksum.algo, o.size);
  }

  async run(): Promise<DownloadResult> {
    try {
      return await this.attempt();
    } finally {
      this.hash.dispose();
    }
  }

  private async attempt(): Promise<DownloadResult> {
    checkUrl(this.o.url, this.safeUrl);
    if (this.o.signal.aborted) throw aborted();
    disk(this.part, () => mkdirSync(dirname(this.o.dest), { recursive: true, mode: 0o700 }));
    await this.adoptPart();
    for (let n = 0; n < MAX_REQUESTS; n++) {
      if ((await this.request()) === "complete") return await this.finalize();
    }
    throw new DownloadError("network", `gave up on ${this.safeUrl}: the server never sent the whole file`);
  }

  /** Hash an existing `.part` before asking for the rest, so the checksum covers the whole file. */
  private async adoptPart(): Promise<void> {
    let size = 0;
    try {
      size = statSync(this.part).size;
    } catch {
      return;
    }
    if (size > this.o.size) return this.restart();
    if (size === 0) return;
    try {
      this.have = await hashFile(this.part, this.hash, size, this.o.signal);
    } catch (err) {
      if (this.o.signal.aborted) throw aborted();
      throw diskError(this.part, err);
    }
    if (this.have !== size) this.restart();
    this.resumedFrom = this.have;
  }

  /** Forget the `.part` and its hash; the next request fetches from byte zero. */
  private restart(): void {
    disk(this.part, () => rmSync(this.part, { force: true }));
    this.hash.dispose();
    this.hash = createHasher(this.o.checksum.algo, this.o.size);
    this.have = 0;
    this.resumedFrom = 0;
    this.resumed = false;
  }

  private async request(): Promise<Step> {
    if (this.o.signal.aborted) throw aborted();
    const ctrl = new AbortController();
    let why: DownloadErrorCode | undefined;
    const stop = (code: DownloadErrorCode) => {
      why ??= code;
      ctrl.abort();
    };
    const onAbort = () => stop("aborted");
    this.o.signal.addEventListener("abort", onAbort, { once: true });
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (this.have > 0) headers.range = `bytes=${this.have}-`;
    const connect = setTimeout(() => stop("connect_timeout"), this.o.connectTimeoutMs);
    try {
      let res: Response;
      try {
        res = await fetch(this.o.url, { headers, signal: ctrl.signal, redirect: "follow" });
      } catch (err) {
        throw this.failure(why, err);
      } finally {
        clearTimeout(connect);
      }
      const start = this.accept(res);
      if (start === undefined) {
        await res.body?.cancel().catch(() => undefined);
        return this.have === this.o.size ? "complete" : "again";
      }
      if (start === 0 && this.o.size >= NATIVE_MIN_BYTES) {
        const native = await this.streamNative(res, ctrl, stop, () => why);
        if (native) return native;
      }
      return await this.stream(res, start, ctrl, stop, () => why);
    } finally {
      this.o.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Check status and framing headers; returns the offset the body starts at, or undefined to skip it. */
  private accept(res: Response): number | undefined {
    const { size } = this.o;
    if (res.status === 416 && this.have > 0) {
      const total = rangeTotal(res.headers.get("content-range"));
      if (total !== undefined && total !== size) throw this.sizeMismatch(`the server has ${total} bytes`, res);
      // A complete .part was asked for the bytes after its end; anything else means it can't be trusted.
      if (this.have !== size) this.restart();
      return undefined;
    }
    if (res.status === 206) {
      const cr = parseContentRange(res.headers.get("content-range"));
      if (cr?.total !== undefined && cr.total !== size) throw this.sizeMismatch(`the server has ${cr.total} bytes`, res);
      if (!cr || cr.start !== this.have) {
        this.restart();
        return undefined;
      }
      if (this.have > 0) this.resumed = true;
      return cr.start;
    }
    if (res.status === 200) {
      const len = res.headers.get("content-length");
      if (len !== null && !res.headers.get("content-encoding") && Number(len) !== size) {
        throw this.sizeMismatch(`the server sends ${len} bytes`, res);
      }
      if (this.have > 0) this.restart();
      return 0;
    }
    void res.body?.cancel().catch(() => undefined);
    const what = res.status === 404 ? `not found at ${this.safeUrl}` : `HTTP ${res.status} from ${this.safeUrl}`;
    throw new DownloadError("http", what, { status: res.status });
  }

  /**
   * The native path for a fresh body: the runtime writes the `.part` itself and a worker hashes the
   * file behind it; progress and the idle timeout follow the file's growth. Returns null when the
   * runtime has no native writer (the caller streams in JS instead).
   */
  private async streamNative(res: Response, ctrl: AbortController, stop: (c: DownloadErrorCode) => void, why: () => DownloadErrorCode | undefined): Promise<Step | null> {
    const { size } = this.o;
    // Only with a declared length equal to the expected size: a body without one could run on, and
    // only the JS loop can stop it mid-way.
    if (!res.body || !hasNativeFileWriter() || res.status !== 200 || res.headers.get("content-length") !== String(size)) return null;
    this.via = "native";
    // Created here with 0600 (the native writer truncates and keeps the mode of an existing file), and
    // kept open: background writebacks and the final fsync go through this fd, which was open before
    // any byte was written, so a lost write is reported to it.
    let fd: number;
    try {
      fd = openSync(this.part, "w", 0o600);
    } catch (err) {
      await res.body.cancel().catch(() => undefined);
      throw diskError(this.part, err);
    }
    const wb = new Writeback(fd, 0, this.o.writebackBytes);
    try {
      const hex = await this.writeNative(res, ctrl, stop, why, wb);
      try {
        await wb.settle();
        // The runtime's writer truncates in place; should it ever replace the file, sync the new one.
        if (fstatSync(fd).ino === statSync(this.part).ino) fsyncSync(fd);
        else fsyncPath(this.part, true);
      } catch (err) {
        throw diskError(this.part, err);
      }
      this.writebacks += wb.count;
      this.have = size;
      this.received = size;
      this.hash.dispose();
      this.hash = { update() {}, digest: async () => hex, dispose() {} };
      return "complete";
    } finally {
      await wb.quiesce();
      closeSync(fd);
    }
  }

  /** The runtime writes the body onto the `.part` while a worker hashes behind it; resolves with the digest. */
  private async writeNative(res: Response, ctrl: AbortController, stop: (c: DownloadErrorCode) => void, why: () => DownloadErrorCode | undefined, wb: Writeback): Promise<string> {
    const { size } = this.o;
    let lastGrowth = performance.now();
    let written = 0;
    const tail = startTailHasher(this.part, size, this.o.checksum.algo, (p) => {
      if (p.written > written) {
        written = p.written;
        lastGrowth = performance.now();
        wb.advance(written);
        this.have = Math.min(p.written, size);
        this.received = this.have;
        this.progress(false);
      }
    });
    const idle = setInterval(() => {
      if (performance.now() - lastGrowth > this.o.idleTimeoutMs) stop("idle_timeout");
    }, Math.min(1000, Math.max(25, this.o.idleTimeoutMs / 4)));
    let n: number;
    try {
      n = await nativeWriteResponse(this.part, res)!;
    } catch (err) {
      await tail.dispose();
      throw this.failure(why(), err);
    } finally {
      clearInterval(idle);
    }
    if (ctrl.signal.aborted) {
      await tail.dispose();
      throw this.failure(why(), new Error("aborted"));
    }
    if (n > size) {
      await tail.dispose();
      this.restart();
      throw new DownloadError("size_mismatch", `size mismatch: ${this.safeUrl} is longer than the expected ${size} bytes`);
    }
    if (n < size) {
      await tail.dispose();
      this.have = n;
      throw new DownloadError("network", `connection to ${hostOf(this.safeUrl)} ended after ${n} of ${size} bytes`);
    }
    try {
      return await tail.digest();
    } finally {
      await tail.dispose();
    }
  }

  /** Stream the body onto the `.part`, hashing in order; "again" when a capped range ended early. */
  private async stream(res: Response, start: number, ctrl: AbortController, stop: (c: DownloadErrorCode) => void, why: () => DownloadErrorCode | undefined): Promise<Step> {
    this.via = "stream";
    const { size } = this.o;
    if (!res.body) throw new DownloadError("network", `empty response from ${this.safeUrl}`);
    let writer: PartWriter;
    try {
      writer = PartWriter.open(this.part, start, { writebackBytes: this.o.writebackBytes });
    } catch (err) {
      await res.body.cancel().catch(() => undefined);
      throw diskError(this.part, err);
    }
    const reader = res.body.getReader();
    const dog = new Watchdog(this.o.idleTimeoutMs, () => stop("idle_timeout"));
    let total = start;
    let overflow = false;
    try {
      for (;;) {
        dog.arm();
        const { done, value } = await reader.read();
        dog.disarm();
        if (done) break;
        if (total + value.byteLength > size) {
          overflow = true;
          break;
        }
        total += value.byteLength;
        this.received += value.byteLength;
        // A chunk written synchronously is ours to give away: it moves to the hashing thread uncopied.
        const direct = !writer.inBackground;
        const full = pushOrThrow(writer, value, this.part);
        this.hash.update(value, direct);
        if (full) await full.catch((err) => Promise.reject(diskError(this.part, err)));
        this.have = total;
        this.progress(false);
      }
    } catch (err) {
      dog.stop();
      ctrl.abort();
      await writer.abandon();
      throw err instanceof DownloadError ? err : this.failure(why(), err);
    }
    dog.stop();
    if (overflow) {
      ctrl.abort();
      await writer.abandon();
      this.restart();
      throw new DownloadError("size_mismatch", `size mismatch: ${this.safeUrl} is longer than the expected ${size} bytes`);
    }
    try {
      await writer.finish(total === size);
    } catch (err) {
      throw diskError(this.part, err);
    } finally {
      this.writebacks += writer.writebacks;
    }
    if (total === size) return "complete";
    const end = res.status === 206 ? parseContentRange(res.headers.get("content-range"))?.end : undefined;
    if (end !== undefined && total === end + 1 && total > start) return "again";
    throw new DownloadError("network", `connection to ${hostOf(this.safeUrl)} ended after ${total} of ${size} bytes`);
  }

  /** Checksum verdict, then fsync + atomic rename: `dest` only ever holds a verified file. */
  private async finalize(): Promise<DownloadResult> {
    const sha = await this.hash.digest();
    if (sha !== this.o.checksum.hex.toLowerCase()) {
      disk(this.part, () => rmSync(this.part, { force: true }));
      throw new DownloadError("checksum_mismatch", `${this.o.checksum.algo} mismatch for ${this.safeUrl}: expected ${this.o.checksum.hex}, got ${sha}`);
    }
    disk(this.part, () => {
      if (this.received === 0) fsyncPath(this.part, true);
      chmodSync(this.part, 0o600);
      renameSync(this.part, this.o.dest);
    });
    fsyncPath(dirname(this.o.dest), false);
    this.progress(true);
    return { bytes: this.o.size, resumedFrom: this.resumedFrom, received: this.received, sha, via: this.via, writebacks: this.writebacks };
  }

  private progress(final: boolean): void {
    if (!this.o.onProgress) return;
    const now = performance.now();
    if (!final && now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    this.o.onProgress({ bytes: this.have, total: this.o.size, received: this.received, resumed: this.resumed });
  }

  private sizeMismatch(detail: string, res: Response): DownloadError {
    void res.body?.cancel().catch(() => undefined);
    this.restart();
    return new DownloadError("size_mismatch", `size mismatch for ${this.safeUrl}: expected ${this.o.size} bytes, ${detail}`);
  }

  /** Map a fetch/read rejection: our own stop reason wins, else the network failed. */
  private failure(why: DownloadErrorCode | undefined, err: unknown): DownloadError {
    if (why === "aborted" || (!why && this.o.signal.aborted)) return aborted();
    if (why === "connect_timeout") return new DownloadError(why, `no response from ${hostOf(this.safeUrl)} within ${this.o.connectTimeoutMs} ms`);
    if (why === "idle_timeout") return new DownloadError(why, `download from ${hostOf(this.safeUrl)} stalled: no data for ${this.o.idleTimeoutMs} ms`);
    const code = (err as { code?: unknown })?.code;
    const detail = typeof code === "string" && /^[A-Z_]+$/.test(code) ? ` (${code})` : "";
    // No `cause`: runtime fetch errors carry the full URL, credentials and query included.
    return new DownloadError("network", `connection to ${hostOf(this.safeUrl)} failed after ${this.have} of ${this.o.size} bytes${detail}`);
  }
}

function pushOrThrow(writer: PartWriter, chunk: Uint8Array, part: string): Promise<void> | undefined {
  try {
    return writer.push(chunk);
  } catch (err) {
    throw diskError(part, err);
  }
}

function aborted(): DownloadError {
  return new DownloadError("aborted", "download aborted");
}

function diskError(path: string, err: unknown): DownloadError {
  const code = (err as { code?: unknown })?.code;
  return new DownloadError("disk", `cannot write ${path}${typeof code === "string" ? ` (${code})` : ""}`, { cause: err });
}

function disk<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw diskError(path, err);
  }
}

/** Flush a file (data) or directory (the rename) to stable storage; directories may refuse, that's fine. */
function fsyncPath(path: string, required: boolean): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch (err) {
    if (required) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
