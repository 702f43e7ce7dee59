import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";

/** Name of the header that carries the request (and callback) signature. */
export const SIGNATURE_HEADER = "X-Bosun-Signature";

const HEADER_RE = /^sha256=([0-9a-fA-F]{64})$/;

function digest(secret: string, body: Uint8Array | string): Buffer {
  return createHmac("sha256", secret).update(body).digest();
}

/** The X-Bosun-Signature value for `body`: `sha256=<hex HMAC-SHA256 with the secret>`. */
export function signBody(secret: string, body: Uint8Array | string): string {
  return `sha256=${digest(secret, body).toString("hex")}`;
}

/** True when `header` is a well-formed signature of exactly these raw body bytes. */
export function verifySignature(secret: string, body: Uint8Array, header: string | null): boolean {
  const m = header === null ? null : HEADER_RE.exec(header.trim());
  if (!m) return false;
  const given = Buffer.from(m[1]!, "hex");
  const expected = digest(secret, body);
  // Both are 32 bytes by construction, which timingSafeEqual requires; compare in constant time.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
