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
