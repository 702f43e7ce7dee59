import { createHash } from "node:crypto";
import { isSecretKey } from "../config/secrets.ts";

// The one rule of which config keys hold secrets, shared with redaction.
export { isSecretKey };

const sha16 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);

/**
 * The runtime-relevant view of a config: secrets replaced by `sha256(secret)[0..16]`, lists
 * sorted, keys sorted. Safe to show and to hash (semantics §2).
 */
export function canonicalView(value: unknown, key = ""): unknown {
  if (typeof value === "string" && isSecretKey(key)) return `sha256:${sha16(value)}`;
  if (Array.isArray(value)) {
    return value.map((v) => canonicalView(v)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonicalView((value as Record<string, unknown>)[k], k);
    return out;
  }
  return value;
}

/** Fingerprint of an adapter config: changes exactly when a runtime-relevant field does. */
export function fingerprint(config: unknown): string {
  return sha16(JSON.stringify(canonicalView(config)));
}
