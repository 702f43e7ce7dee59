import type { Clock } from "../../util/clock.ts";
import type { Checksum } from "../types.ts";

/** What a download reports while it runs. */
export interface DownloadProgress {
  /** Bytes of this file on disk so far (including a resumed prefix). */
  bytes: number;
  total: number;
  /** Bytes received over the network in this attempt (excludes the resumed prefix). */
  received: number;
  /** true once a Range request was honoured. */
  resumed: boolean;
}

export interface DownloadOptions {
  url: string;
  /** Final path; the body streams to `${dest}.part` and is renamed onto `dest` only once verified. */
  dest: string;
  size: number;
  checksum: Checksum;
  /** No response headers within this many ms → error (default 15 s). */
  connectTimeoutMs: number;
  /** No body bytes for this many ms → error (default 45 s). */
  idleTimeoutMs: number;
  signal: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Start a background fdatasync every this many bytes written (default WRITEBACK_EVERY_BYTES in writeback.ts, 64 MiB). */
  writebackBytes?: number;
  /** Times the connect and idle bounds and paces progress (the real clock by default). */
  clock?: Clock;
}

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
