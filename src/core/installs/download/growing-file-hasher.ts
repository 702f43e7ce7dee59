import type { Clock } from "../../util/clock.ts";
import type { ChecksumAlgo } from "../types.ts";

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
// means the writer hasn't got there yet, so it waits a moment and tries again. The worker closes its
// own fd before it reports: "d" with the digest, or "x" once stop[0] is set (checked between reads).
const WORKER_SOURCE = `
import { createHash } from "node:crypto";
import { openSync, readSync, fstatSync, statSync, closeSync } from "node:fs";
self.onmessage = async (e) => {
  const { path, size, algo, stop } = e.data;
  const flag = new Int32Array(stop);
  let fd = -1;
  const release = () => {
    if (fd >= 0) closeSync(fd);
    fd = -1;
  };
  let hex = null;
  try {
    fd = openSync(path, "r");
    let h = createHash(algo);
    const buf = Buffer.allocUnsafe(4 << 20);
    let pos = 0;
    let last = 0;
    while (pos < size && Atomics.load(flag, 0) === 0) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n > 0) {
        h.update(buf.subarray(0, n));
        pos += n;
      } else {
        // A writer that replaced the file (a new inode) would leave us reading the old one forever.
        let now = null;
        try {
          now = statSync(path);
        } catch {}
        if (now && now.ino !== fstatSync(fd).ino) {
          release();
          fd = openSync(path, "r");
          h = createHash(algo);
          pos = 0;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const t = Date.now();
      if (t - last >= 50) {
        last = t;
        self.postMessage({ t: "p", written: fstatSync(fd).size, hashed: pos });
      }
    }
    if (pos >= size) hex = h.digest("hex");
  } finally {
    release();
  }
  self.postMessage(hex !== null ? { t: "d", hex } : { t: "x" });
};
`;

/** How long a stopped worker gets to close its file before it is terminated anyway. */
const STOP_GRACE_MS = 2_000;

let workerUrl: string | null = null;

/** Start hashing `path` (which must exist) as it grows to `size` bytes. */
export function startTailHasher(path: string, size: number, algo: ChecksumAlgo, clock: Clock, onProgress: (p: TailProgress) => void): TailHasher {
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
  let cancelGrace: (() => void) | undefined;
  let finished = false;
  let markEnded!: () => void;
  const ended = new Promise<void>((r) => (markEnded = r));
  const end = () => {
    finished = true;
    markEnded();
    cancelGrace?.();
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
  worker.postMessage({ path, size, algo, stop: stop.buffer });
  return {
    digest: () => digest,
    dispose() {
      rejectDigest(new Error("hashing stopped")); // no-op once the digest has settled
      if (!finished && cancelGrace === undefined) {
        // Ask the worker to close its fd and say "x"; terminate it regardless after a grace period.
        Atomics.store(stop, 0, 1);
        cancelGrace = clock.after(STOP_GRACE_MS, end);
      }
      return ended;
    },
  };
}
