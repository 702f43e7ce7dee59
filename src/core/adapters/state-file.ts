import { createHash } from "node:crypto";
import { join } from "node:path";

/**
 * Stable per-instance file name (semantics §2): `<safe-name>_<hex(sha256(name))[0..16]>.json`.
 * The hash keeps names that sanitise alike apart; never a language-default hash, which can change
 * between runs or versions.
 */
export function stateFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9]/g, "_").slice(0, 64);
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 16);
  return `${safe}_${hash}.json`;
}

/** Full path of an adapter instance's state file. */
export function stateFilePath(dir: string, name: string): string {
  return join(dir, stateFileName(name));
}
