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
  dispose(): void;
}

// Reads the file behind the writer in big blocks (a page-cache copy) and hashes them; a short read
// means the writer hasn't got there yet, so it waits a moment and tries again.
const WORKER_SOURCE = `
import { createHash } from "node:crypto";
import { openSync, readSync, fstatSync, statSync, closeSync } from "node:fs";
self.onmessage = async (e) => {
  const { path, size, algo } = e.data;
  let fd = openSync(path, "r");
  let h = createHash(algo);
  const buf = Buffer.allocUnsafe(4 << 20);
  let pos = 0;
  let last = 0;
  try {
    while (pos < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n > 0) {
        h.update(buf.subarray(0, n));
        pos += n;
      } else {
        // A writer that replaced the file (a new inode) would leave us reading the old one forever.
        try {
          if (statSync(path).ino !== fstatSync(fd).ino) {
            closeSync(fd);
            fd = openSync(path, "r");
            h = createHash(algo);
            pos = 0;
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
    self.postMessage({ t: "d", hex: h.digest("hex") });
  } finally {
    closeSync(fd);
  }
};
`;

let workerUrl: string | null = null;

/** Start hashing `path` (which must exist) as it grows to `size` bytes. */
export function startTailHasher(path: string, size: number, algo: ChecksumAlgo, onProgress: (p: TailProgress) => void): TailHasher {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(workerUrl, { type: "module" });
  let resolveDigest!: (hex: string) => void;
  let rejectDigest!: (err: unknown) => void;
  const digest = new Promise<string>((res, rej) => {
    resolveDigest = res;
    rejectDigest = rej;
  });
  digest.catch(() => undefined);
  worker.onmessage = (e: MessageEvent<{ t: "p"; written: number; hashed: number } | { t: "d"; hex: string }>) => {
    if (e.data.t === "p") onProgress({ written: e.data.written, hashed: e.data.hashed });
    else resolveDigest(e.data.hex);
  };
  worker.onerror = (e) => rejectDigest(e instanceof ErrorEvent ? (e.error ?? new Error(e.message)) : new Error("hash worker failed"));
  worker.postMessage({ path, size, algo });
  let disposed = false;
  return {
    digest: () => digest,
    dispose() {
      if (disposed) return;
      disposed = true;
      worker.terminate();
      rejectDigest(new Error("hashing stopped"));
    },
  };
}
