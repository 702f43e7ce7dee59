import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { systemClock, type Clock } from "../../util/clock.ts";
import { disk, diskError } from "./disk.ts";
import { aborted, checkUrl, DownloadError, hostOf, redactUrl, type DownloadErrorCode } from "./errors.ts";
import { finalise } from "./finalise.ts";
import { frame } from "./framing.ts";
import { hashFile } from "./hash-file.ts";
import { writeBodyInJs } from "./js-writer.ts";
import { NATIVE_MIN_BYTES, writeBodyNatively } from "./native-writer.ts";
import type { DownloadOptions, DownloadResult } from "./options.ts";
import type { RequestControl, Step, TransferState } from "./state.ts";
import { createHasher, type StreamHasher } from "./stream-hasher.ts";

const PROGRESS_EVERY_MS = 100;
/** Requests per call: restarts after ignored/odd ranges and servers that cap range sizes. */
const MAX_REQUESTS = 64;

/**
 * One call of download(): the state that survives across its requests. The request loop and the
 * framing live here; the body writers (native-writer.ts, js-writer.ts) and the verdict
 * (finalise.ts) work on this state through TransferState (state.ts).
 */
export class Transfer implements TransferState {
  readonly part: string;
  readonly safeUrl: string;
  readonly clock: Clock;
  hash: StreamHasher;
  /** Verified-in-order bytes of the `.part` (hashed and on disk). */
  have = 0;
  resumedFrom = 0;
  received = 0;
  resumed = false;
  via: "native" | "stream" = "stream";
  writebacks = 0;
  #lastProgress = -Infinity;

  constructor(readonly o: DownloadOptions) {
    this.part = `${o.dest}.part`;
    this.safeUrl = redactUrl(o.url);
    this.clock = o.clock ?? systemClock;
    this.hash = createHasher(o.checksum.algo, o.size);
  }

  async run(): Promise<DownloadResult> {
    try {
      return await this.#attempt();
    } finally {
      this.hash.dispose();
    }
  }

  async #attempt(): Promise<DownloadResult> {
    checkUrl(this.o.url, this.safeUrl);
    if (this.o.signal.aborted) throw aborted();
    disk(this.part, () => mkdirSync(dirname(this.o.dest), { recursive: true, mode: 0o700 }));
    await this.#adoptPart();
    for (let n = 0; n < MAX_REQUESTS; n++) {
      if ((await this.#request()) === "complete") return await finalise(this);
    }
    throw new DownloadError("network", `gave up on ${this.safeUrl}: the server never sent the whole file`);
  }

  /** Hash an existing `.part` before asking for the rest, so the checksum covers the whole file. */
  async #adoptPart(): Promise<void> {
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
  restart(): void {
    disk(this.part, () => rmSync(this.part, { force: true }));
    this.hash.dispose();
    this.hash = createHasher(this.o.checksum.algo, this.o.size);
    this.have = 0;
    this.resumedFrom = 0;
    this.resumed = false;
  }

  async #request(): Promise<Step> {
    if (this.o.signal.aborted) throw aborted();
    const ctrl = new AbortController();
    let first: DownloadErrorCode | undefined;
    const req: RequestControl = {
      ctrl,
      stop: (code) => {
        first ??= code;
        ctrl.abort();
      },
      why: () => first,
    };
    const onAbort = () => req.stop("aborted");
    this.o.signal.addEventListener("abort", onAbort, { once: true });
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (this.have > 0) headers.range = `bytes=${this.have}-`;
    const cancelConnect = this.clock.after(this.o.connectTimeoutMs, () => req.stop("connect_timeout"));
    try {
      let res: Response;
      try {
        res = await fetch(this.o.url, { headers, signal: ctrl.signal, redirect: "follow" });
      } catch (err) {
        throw this.failure(first, err);
      } finally {
        cancelConnect();
      }
      const start = this.#accept(res);
      if (start === undefined) {
        await res.body?.cancel().catch(() => undefined);
        return this.have === this.o.size ? "complete" : "again";
      }
      if (start === 0 && this.o.size >= NATIVE_MIN_BYTES) {
        const native = await writeBodyNatively(this, res, req);
        if (native) return native;
      }
      return await writeBodyInJs(this, res, start, req);
    } finally {
      this.o.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Act on the response's framing; returns the offset the body starts at, or undefined to skip it. */
  #accept(res: Response): number | undefined {
    const f = frame(res, this.have, this.o.size);
    switch (f.kind) {
      case "skip":
        if (f.restart) this.restart();
        return undefined;
      case "body":
        if (f.restart) this.restart();
        if (f.resumed) this.resumed = true;
        return f.start;
      case "size_mismatch":
        void res.body?.cancel().catch(() => undefined);
        this.restart();
        throw new DownloadError("size_mismatch", `size mismatch for ${this.safeUrl}: expected ${this.o.size} bytes, ${f.detail}`);
      case "http": {
        void res.body?.cancel().catch(() => undefined);
        const what = f.status === 404 ? `not found at ${this.safeUrl}` : `HTTP ${f.status} from ${this.safeUrl}`;
        throw new DownloadError("http", what, { status: f.status });
      }
    }
  }

  /** Report progress (at most every PROGRESS_EVERY_MS, and always at the end). */
  progress(final: boolean): void {
    if (!this.o.onProgress) return;
    const now = this.clock.monotonic();
    if (!final && now - this.#lastProgress < PROGRESS_EVERY_MS) return;
    this.#lastProgress = now;
    this.o.onProgress({ bytes: this.have, total: this.o.size, received: this.received, resumed: this.resumed });
  }

  /** Map a fetch/read rejection: our own stop reason wins, else the network failed. */
  failure(why: DownloadErrorCode | undefined, err: unknown): DownloadError {
    if (why === "aborted" || (!why && this.o.signal.aborted)) return aborted();
    if (why === "connect_timeout") return new DownloadError(why, `no response from ${hostOf(this.safeUrl)} within ${this.o.connectTimeoutMs} ms`);
    if (why === "idle_timeout") return new DownloadError(why, `download from ${hostOf(this.safeUrl)} stalled: no data for ${this.o.idleTimeoutMs} ms`);
    const code = (err as { code?: unknown })?.code;
    const detail = typeof code === "string" && /^[A-Z_]+$/.test(code) ? ` (${code})` : "";
    // No `cause`: runtime fetch errors carry the full URL, credentials and query included.
    return new DownloadError("network", `connection to ${hostOf(this.safeUrl)} failed after ${this.have} of ${this.o.size} bytes${detail}`);
  }
}
