/** Checksum algorithms the catalogue uses (whisper.cpp publishes SHA-1, Piper MD5, custom entries any). */
export type ChecksumAlgo = "sha256" | "sha1" | "md5";

export interface Checksum {
  algo: ChecksumAlgo;
  /** Lower-case hex digest. */
  hex: string;
}

/** One file of an install target. */
export interface CatalogFile {
  /** Path under `$BOSUN_HOME/models/<engine>/` where the verified file ends up. */
  dest: string;
  /**
   * Where to fetch it: a path relative to the mirror base (e.g.
   * "ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin"), or an absolute http(s) URL (custom entries).
   */
  source: string;
  size: number;
  checksum: Checksum;
}

/** An installable model or voice. */
export interface CatalogEntry {
  /** `engine:id`, e.g. "whisper:base.en", "piper:en_US-lessac-medium". */
  target: string;
  engine: "whisper" | "piper";
  id: string;
  /** Short human description ("English-only, base", "en_US lessac, medium quality"). */
  description: string;
  /** Piper voices: language code like "en_US"; whisper: "multilingual" or "en". */
  language: string;
  /** Piper: x_low | low | medium | high; whisper: the model family (tiny, base, ...). */
  quality?: string;
  files: CatalogFile[];
  /** Sum of the files' sizes. */
  size: number;
  /** true for `[[installs.custom]]` entries from bosun.toml. */
  custom?: boolean;
}

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
}
