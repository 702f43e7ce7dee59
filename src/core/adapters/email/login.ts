/**
 * A login the server refused for good. imapflow marks every failed login `authenticationFailed`,
 * also "NO [UNAVAILABLE] Temporary authentication failure" (an auth service not ready yet),
 * which a retry fixes: only AUTHENTICATIONFAILED, AUTHORIZATIONFAILED or a bare NO is terminal.
 */
export function loginRefused(err: unknown): boolean {
  const e = err as { authenticationFailed?: unknown; serverResponseCode?: unknown };
  if (!e?.authenticationFailed) return false;
  return e.serverResponseCode === undefined || e.serverResponseCode === "AUTHENTICATIONFAILED" || e.serverResponseCode === "AUTHORIZATIONFAILED";
}

/** SELECT refused because the folder does not exist (imapflow's `mailboxMissing`, or the NONEXISTENT code). */
export function folderMissing(err: unknown): boolean {
  const e = err as { mailboxMissing?: unknown; serverResponseCode?: unknown };
  return e?.mailboxMissing === true || e?.serverResponseCode === "NONEXISTENT";
}
