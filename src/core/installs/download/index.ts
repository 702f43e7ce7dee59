/**
 * The downloader: one verified file from a URL, resumable. The parts, each a file here:
 * framing.ts (what a response's status and ranges say), transfer.ts (the request loop and its
 * state), native-writer.ts (large fresh bodies: the runtime writes, a worker hashes behind it),
 * js-writer.ts (resumes and small files: read, write and hash chunk by chunk), finalise.ts
 * (checksum verdict, fsync, atomic rename); part-writer.ts, writeback.ts, idle-watchdog.ts and the
 * hashers (stream-hasher.ts, growing-file-hasher.ts, hash-file.ts) serve them.
 */
import type { DownloadOptions, DownloadResult } from "./options.ts";
import { Transfer } from "./transfer.ts";

export { DownloadError, redactUrl, type DownloadErrorCode } from "./errors.ts";
export { verifyFile } from "./hash-file.ts";
export { NATIVE_MIN_BYTES } from "./native-writer.ts";
export type { DownloadOptions, DownloadProgress, DownloadResult } from "./options.ts";

/**
 * Download `url` to `dest`: stream into `${dest}.part` (resuming it with a Range request when the
 * server allows), verify size and checksum while streaming, and only then rename onto `dest`.
 */
export async function download(opts: DownloadOptions): Promise<DownloadResult> {
  return new Transfer(opts).run();
}
