import { closeSync, fsyncSync, openSync } from "node:fs";
import { DownloadError } from "./errors.ts";

/** A filesystem failure on `path`, as the download error the user sees (code "disk"). */
export function diskError(path: string, err: unknown): DownloadError {
  const code = (err as { code?: unknown })?.code;
  return new DownloadError("disk", `cannot write ${path}${typeof code === "string" ? ` (${code})` : ""}`, { cause: err });
}

/** Run a filesystem step on `path`; its failure becomes a disk error. */
export function disk<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw diskError(path, err);
  }
}

/** Flush a file (data) or directory (the rename) to stable storage; directories may refuse, that's fine. */
export function fsyncPath(path: string, required: boolean): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch (err) {
    if (required) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
