import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/fsx.ts";

/** Create a fresh bearer token in a 0600 file. */
export function createToken(path: string): string {
  const token = randomBytes(32).toString("hex");
  writeFileAtomic(path, token + "\n", 0o600);
  return token;
}

/** Read the bearer token; undefined when missing. */
export function readToken(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Constant-time check of an `Authorization: Bearer …` header. */
export function bearerMatches(header: string | null, token: string): boolean {
  if (!header?.startsWith("Bearer ")) return false;
  const a = createHash("sha256").update(header.slice(7)).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}
