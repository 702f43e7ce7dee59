import { createHash } from "node:crypto";

/** The one session key format (semantics §4): `adapter:conversation[:thread]`. */
export function sessionKey(adapter: string, conversation: string, thread?: string | null): string {
  return thread ? `${adapter}:${conversation}:${thread}` : `${adapter}:${conversation}`;
}

/**
 * A session's id: stable for its key (the same conversation has the same id in every gateway
 * and after every restart) and short enough to type; a unique prefix names it, like git.
 */
export function sessionId(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}
