import { chmodSync, mkdirSync, renameSync, writeFileSync, openSync, closeSync, fsyncSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";

/** Create a directory (and parents) with mode 0700, tightening an existing one. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** Write a file atomically (temp + rename) with the given mode; readers never see half a file. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/**
 * writeFileAtomic, then the directory is synced too: once this returns the new file survives a
 * power loss, not only a crash (the rename itself is only durable once its directory is).
 */
export function writeFileDurable(path: string, data: string | Uint8Array, mode = 0o600): void {
  writeFileAtomic(path, data, mode);
  const fd = openSync(dirname(path), "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Read and parse a JSON file; undefined when missing or unreadable. */
export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Remove a file, ignoring "not there". */
export function removeFile(path: string): void {
  rmSync(path, { force: true });
}
