import { chmodSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { disk, fsyncPath } from "./disk.ts";
import { DownloadError } from "./errors.ts";
import type { DownloadResult } from "./options.ts";
import type { TransferState } from "./state.ts";

/** Checksum verdict, then fsync + atomic rename: `dest` only ever holds a verified file. */
export async function finalise(t: TransferState): Promise<DownloadResult> {
  const { checksum, dest, size } = t.o;
  const sha = await t.hash.digest();
  if (sha !== checksum.hex.toLowerCase()) {
    disk(t.part, () => rmSync(t.part, { force: true }));
    throw new DownloadError("checksum_mismatch", `${checksum.algo} mismatch for ${t.safeUrl}: expected ${checksum.hex}, got ${sha}`);
  }
  disk(t.part, () => {
    if (t.received === 0) fsyncPath(t.part, true);
    chmodSync(t.part, 0o600);
    renameSync(t.part, dest);
  });
  fsyncPath(dirname(dest), false);
  t.progress(true);
  return { bytes: size, resumedFrom: t.resumedFrom, received: t.received, sha, via: t.via, writebacks: t.writebacks };
}
