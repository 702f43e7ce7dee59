import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DownloadOptions } from "../../src/core/installs/download/index.ts";
import { generatedBytes, type ModelServer, type ServedFile, type Switches } from "./model-server.ts";

/** One download under test: a file of its own on the model server and a fresh destination. */
export interface DownloadCase {
  n: number;
  file: ServedFile;
  dir: string;
  dest: string;
  part: string;
  /** The file's expected content (generated on demand: large files are costly to keep). */
  readonly bytes: Buffer;
  opts(extra?: Partial<DownloadOptions>): DownloadOptions;
  /** Remove this case's directory now (large files should not wait for the end of the suite). */
  done(): void;
}

/** Makes DownloadCases with unique paths (so server counters are per test) and removes their directories. */
export class DownloadCases {
  #next: number;
  #dirs: string[] = [];
  constructor(private readonly server: () => ModelServer, private readonly prefix: string, firstId: number) {
    this.#next = firstId;
  }

  /** A temporary directory removed by cleanup(). */
  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), `bosun-${this.prefix}-`));
    this.#dirs.push(dir);
    return dir;
  }

  fresh(size: number, switches: Switches = {}, algo: "sha256" | "sha1" | "md5" = "sha256"): DownloadCase {
    const n = ++this.#next;
    const file = this.server().addFile(`/${this.prefix}/f${n}.bin`, { size, seed: n }, switches);
    const dir = this.tempDir();
    const dest = join(dir, "models", "whisper", `f${n}.bin`);
    return {
      n,
      file,
      dir,
      dest,
      part: `${dest}.part`,
      get bytes() {
        return generatedBytes(size, n);
      },
      opts: (extra = {}) => ({
        url: file.url,
        dest,
        size,
        checksum: { algo, hex: file[algo] },
        connectTimeoutMs: 5_000,
        idleTimeoutMs: 5_000,
        signal: new AbortController().signal,
        ...extra,
      }),
      done: () => rmSync(dir, { recursive: true, force: true }),
    };
  }

  cleanup(): void {
    for (const d of this.#dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
