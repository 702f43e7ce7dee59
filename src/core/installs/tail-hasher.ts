import { WRITEBACK_EVERY_BYTES } from "./part-writer.ts";
import type { ChecksumAlgo } from "./types.ts";

/** What the tail hasher reports while the file grows. */
export interface TailProgress {
  /** Bytes in the file now (what the writer has written). */
  written: number;
  /** Bytes hashed so far. */
  hashed: number;
}

/** Hashes a file as another writer grows it, on a worker thread. */
export interface TailHasher {
  /** Resolves with the hex digest once `size` bytes are hashed; rejects if the worker fails. */
  digest(): Promise<string>;
  /** Stop hashing; resolves once the worker has closed its file and ended. */
  dispose(): Promise<void>;
}

// Reads the file behind the writer in big blocks (a page-cache copy) and hashes them; a short read
// means the writer hasn't got there yet, so it waits a moment and tries again. Every syncEvery bytes
// it starts an fdatasync of what is there (WRITEBACK_EVERY_BYTES); the callback form runs it on the
// runtime's thread pool, so hashing goes on while the disk catches up. The worker closes its own fd
// (after any fdatasync in flight) before it reports: "d" with the digest, or "x" once `stop[0]` is set.
const WORKER_SOURCE = `
import { createHash } from "node:crypto";
import { openSync, readSync, fstatSync, statSync, closeSync, fdatasync } from "node:fs";
self.onmessage = async (e) => {
  const { path, size, algo, syncEvery, stop } = e.data;
  const flag = new Int32Array(stop);
  let fd = openSync(path, "r");
  let h = createHash(algo);
  const buf = Buffer.allocUnsafe(4 << 20);
  let pos = 0;
  let last = 0;
  let synced = 0;
  let syncing = null;
  const release = async () => {
    if (syncing) await syncing;
    closeSync(fd);
  };
  try {
    while (pos < size && Atomics.load(flag, 0) === 0) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n > 0) {
        h.update(buf.subarray(0, n));
        pos += n;
        if (!syncing && pos - synced >= syncEvery) {
          synced = pos;
          syncing = new Promise((r) => fdatasync(fd, () => { syncing = null; r(); }));
        }
      } else {
        // A writer that replaced the file (a new inode) would leave us reading the old one forever.
        try {
          if (statSync(path).ino !== fstatSync(fd).ino) {
            await release();
            fd = openSync(path, "r");
            h = createHash(algo);
            pos = 0;
            synced = 0;
          }
        } catch {}
        await new Promise((r) => setTimeout(r, 5));
      }
      const now = Date.now();
      if (now - last >= 50) {
        last = now;
        self.postMessage({ t: "p", written: fstatSync(fd).size, hashed: pos });
      }
    }
  } catch (err) {
    await release();
    throw err;
  }
  await release();
  self.postMessage(pos >= size ? { t: "d", hex: h.digest("hex") } : { t: "x" });
};
`;

/** How long a stopped worker gets to close its file before it is terminated anyway. */
const STOP_GRACE_MS = 2_000;

let workerUrl: string | null = null;

/**
 * Start hashing `path` (which must exist) as it grows to `size` bytes, with a background fdatasync
 * every `writebackBytes`.
 */
export function startTailHasher(path: string, size: number, algo: ChecksumAlgo, onProgress: (p: TailProgress) => void, writebackBytes = WRITEBACK_EVERY_BYTES): TailHasher {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(workerUrl, { type: "module" });
  let resolveDigest!: (hex: string) => void;
  let rejectDigest!: (err: unknown) => void;
  const digest = new Promise<string>((res, rej) => {
    resolveDigest = res;
    rejectDigest = rej;
  });
  digest.catch(() => undefined);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  let grace: ReturnType<typeof setTimeout> | undefined;
  let markEnded!: () => void;
  const ended = new Promise<void>((r) => (markEnded = r));
  const end = () => {
    markEnded();
    clearTimeout(grace);
    worker.terminate();
  };
  worker.onmessage = (e: MessageEvent<{ t: "p"; written: number; hashed: number } | { t: "d"; hex: string } | { t: "x" }>) => {
    if (e.data.t === "p") onProgress({ written: e.data.written, hashed: e.data.hashed });
    else if (e.data.t === "d") {
      resolveDigest(e.data.hex);
      end();
    } else end();
  };
  worker.onerror = (e) => {
    rejectDigest(e instanceof ErrorEvent ? (e.error ?? new Error(e.message)) : new Error("hash worker failed"));
    end();
  };
  worker.postMessage({ path, size, algo, syncEvery: writebackBytes, stop: stop.buffer });
  let disposed = false;
  return {
    digest: () => digest,
    dispose() {
      if (!disposed) {
        disposed = true;
        rejectDigest(new Error("hashing stopped"));
        // Ask the worker to close its fd and say "x"; terminate it regardless after a grace period.
        Atomics.store(stop, 0, 1);
        grace = setTimeout(end, STOP_GRACE_MS);
      }
      return ended;
    },
  };
}
