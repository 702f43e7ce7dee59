import { createHash, type Hash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import type { Checksum, ChecksumAlgo } from "../types.ts";

/** Big enough to keep syscalls rare, small enough that a 3 GB file never sits in memory. */
const READ_BYTES = 4 << 20;

/** A streaming hash of the catalogue's algorithm. */
export function newHash(algo: ChecksumAlgo): Hash {
  return createHash(algo);
}

/**
 * Feed the first `length` bytes of `path` into `hash` in fixed-size reads; returns the bytes read
 * (less than `length` when the file is shorter). Rejects with the signal's reason once it aborts.
 */
export async function hashFile(path: string, hash: Hash | { update(chunk: Uint8Array): unknown }, length: number, signal?: AbortSignal): Promise<number> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, Math.max(length, 1)));
    let done = 0;
    while (done < length) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - done), done);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      done += bytesRead;
    }
    return done;
  } finally {
    await fh.close();
  }
}

/** Whether the file at `path` is exactly `size` bytes with the expected checksum (streamed, never loaded whole). */
export async function verifyFile(path: string, size: number, checksum: Checksum): Promise<boolean> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size !== size) return false;
    const hash = newHash(checksum.algo);
    if ((await hashFile(path, hash, size)) !== size) return false;
    return hash.digest("hex") === checksum.hex.toLowerCase();
  } catch {
    return false;
  }
}
