/**
 * The tests' one way to wait on a condition that is only observable by looking (a counter on a
 * test server, a frame, a row): check every `everyMs` until `check()` holds, and fail naming
 * `what` once `timeoutMs` has passed. Never a sleep standing in for synchronisation.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 5_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
