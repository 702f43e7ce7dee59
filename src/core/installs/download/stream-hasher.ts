import { createHash } from "node:crypto";
import type { ChecksumAlgo } from "../types.ts";

/** A streaming checksum that may run on another thread. */
export interface StreamHasher {
  /**
   * Add the next bytes. With `give`, the caller hands the chunk over and never touches it again,
   * so it can move to the hashing thread without a copy.
   */
  update(chunk: Uint8Array, give?: boolean): void;
  /** Hex digest of everything added. */
  digest(): Promise<string>;
  /** Release the hashing thread (safe to call more than once, and after digest). */
  dispose(): void;
}

/** Below this, a thread isn't worth starting. */
const WORKER_MIN_BYTES = 8 << 20;

// The hashing thread: a module worker built from source, so it needs no separate file in a compiled
// binary and runs the same under Bun and Deno.
const WORKER_SOURCE = `
import { createHash } from "node:crypto";
let h = null;
self.onmessage = (e) => {
  const m = e.data;
  if (m.t === "init") h = createHash(m.algo);
  else if (m.t === "u") h.update(new Uint8Array(m.b, m.o, m.l));
  else if (m.t === "d") self.postMessage({ hex: h.digest("hex") });
};
`;

let workerUrl: string | null = null;

/**
 * A hasher for a download of `size` bytes. Large files hash on a worker thread, in parallel with
 * receiving and writing (measured on a 2-core machine: a 1 GiB SHA-256 download went from ~1.6 s
 * to ~0.85 s, faster than curl); small ones, or runtimes without workers, hash inline.
 */
export function createHasher(algo: ChecksumAlgo, size: number): StreamHasher {
  if (size >= WORKER_MIN_BYTES && typeof Worker !== "undefined") {
    try {
      return workerHasher(algo);
    } catch {
      // fall through to inline hashing
    }
  }
  return inlineHasher(algo);
}

/** Hashing on the calling thread. */
export function inlineHasher(algo: ChecksumAlgo): StreamHasher {
  const h = createHash(algo);
  return {
    update: (chunk) => void h.update(chunk),
    digest: async () => h.digest("hex"),
    dispose: () => {},
  };
}

function workerHasher(algo: ChecksumAlgo): StreamHasher {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(workerUrl, { type: "module" });
  let failure: unknown = null;
  worker.onerror = (e) => {
    failure = e instanceof ErrorEvent ? e.error ?? new Error(e.message) : new Error("hash worker failed");
  };
  worker.postMessage({ t: "init", algo });
  let disposed = false;
  return {
    update(chunk, give = false) {
      const owned = give && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
      // Anything not given is copied. Not with .slice(): on a Buffer that is a view, and transferring
      // its memory would empty the caller's buffer (hashFile's reused read buffer then read as EOF).
      const c = owned ? chunk : new Uint8Array(chunk);
      const buf = c.buffer as ArrayBuffer;
      worker.postMessage({ t: "u", b: buf, o: c.byteOffset, l: c.byteLength }, [buf]);
    },
    digest() {
      return new Promise<string>((resolve, reject) => {
        if (failure) return reject(failure);
        worker.onmessage = (e: MessageEvent<{ hex: string }>) => resolve(e.data.hex);
        worker.onerror = (e) => reject(e instanceof ErrorEvent ? e.error ?? new Error(e.message) : new Error("hash worker failed"));
        worker.postMessage({ t: "d" });
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      worker.terminate();
    },
  };
}
