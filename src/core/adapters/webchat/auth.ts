import { createHash, timingSafeEqual } from "node:crypto";

/** Whether a presented access token is the configured one, in constant time (hashes have one length). */
export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}
