import { closeSync, fstatSync, fsyncSync, openSync, statSync } from "node:fs";
import { hasNativeFileWriter, nativeWriteResponse } from "../../platform/index.ts";
import { diskError, fsyncPath } from "./disk.ts";
import { DownloadError, hostOf } from "./errors.ts";
import { startTailHasher } from "./growing-file-hasher.ts";
import type { RequestControl, Step, TransferState } from "./state.ts";
import { Writeback } from "./writeback.ts";

/**
 * Fresh bodies at least this large go through the runtime's native file writer while a worker
 * hashes the file as it grows (1 GiB on 2 cores: ~1.0 s against curl's ~1.0 s, where hashing in
 * the receive loop took ~1.4 s). Resumes and small files take the JS path.
 */
export const NATIVE_MIN_BYTES = 8 << 20;

/**
 * The native path for a fresh body: the runtime writes the `.part` itself and a worker hashes the
 * file behind it; progress and the idle timeout follow the file's growth. Returns null when the
 * runtime has no native writer (the caller streams in JS instead).
 */
export async function writeBodyNatively(t: TransferState, res: Response, req: RequestControl): Promise<Step | null> {
  const { size } = t.o;
  // Only with a declared length equal to the expected size: a body without one could run on, and
  // only the JS loop can stop it mid-way.
  if (!res.body || !hasNativeFileWriter() || res.status !== 200 || res.headers.get("content-length") !== String(size)) return null;
  t.via = "native";
  // Created here with 0600 (the native writer truncates and keeps the mode of an existing file), and
  // kept open: background writebacks and the final fsync go through this fd, which was open before
  // any byte was written, so a lost write is reported to it.
  let fd: number;
  try {
    fd = openSync(t.part, "w", 0o600);
  } catch (err) {
    await res.body.cancel().catch(() => undefined);
    throw diskError(t.part, err);
  }
  const wb = new Writeback(fd, 0, t.o.writebackBytes);
  try {
    const hex = await writeAndHash(t, res, req, wb);
    try {
      await wb.settle();
      // The runtime's writer truncates in place; should it ever replace the file, sync the new one.
      if (fstatSync(fd).ino === statSync(t.part).ino) fsyncSync(fd);
      else fsyncPath(t.part, true);
    } catch (err) {
      throw diskError(t.part, err);
    }
    t.writebacks += wb.count;
    t.have = size;
    t.received = size;
    t.hash.dispose();
    t.hash = { update() {}, digest: async () => hex, dispose() {} };
    return "complete";
  } finally {
    await wb.quiesce();
    closeSync(fd);
  }
}

/** The runtime writes the body onto the `.part` while a worker hashes behind it; resolves with the digest. */
async function writeAndHash(t: TransferState, res: Response, req: RequestControl, wb: Writeback): Promise<string> {
  const { size } = t.o;
  let lastGrowth = t.clock.monotonic();
  let written = 0;
  const tail = startTailHasher(t.part, size, t.o.checksum.algo, t.clock, (p) => {
    if (p.written > written) {
      written = p.written;
      lastGrowth = t.clock.monotonic();
      wb.advance(written);
      t.have = Math.min(p.written, size);
      t.received = t.have;
      t.progress(false);
    }
  });
  // One check per idle window, re-armed after each (the clock's timers are one-shot).
  const every = Math.min(1000, Math.max(25, t.o.idleTimeoutMs / 4));
  let idleChecks = true;
  let cancelIdle = () => {};
  const checkIdle = () => {
    cancelIdle = t.clock.after(every, () => {
      if (t.clock.monotonic() - lastGrowth > t.o.idleTimeoutMs) req.stop("idle_timeout");
      if (idleChecks) checkIdle();
    });
  };
  checkIdle();
  let n: number;
  try {
    n = await nativeWriteResponse(t.part, res)!;
  } catch (err) {
    await tail.dispose();
    throw t.failure(req.why(), err);
  } finally {
    idleChecks = false;
    cancelIdle();
  }
  if (req.ctrl.signal.aborted) {
    await tail.dispose();
    throw t.failure(req.why(), new Error("aborted"));
  }
  if (n > size) {
    await tail.dispose();
    t.restart();
    throw new DownloadError("size_mismatch", `size mismatch: ${t.safeUrl} is longer than the expected ${size} bytes`);
  }
  if (n < size) {
    await tail.dispose();
    t.have = n;
    throw new DownloadError("network", `connection to ${hostOf(t.safeUrl)} ended after ${n} of ${size} bytes`);
  }
  try {
    return await tail.digest();
  } finally {
    await tail.dispose();
  }
}
