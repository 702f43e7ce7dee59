/** What a check may hand back: anything but a falsy "not yet". */
export type Found<T> = Exclude<T, false | null | undefined | 0 | "">;

/**
 * The tests' one way to wait on a condition that is only observable by looking (a counter on a
 * test server, a frame, a row, a process): check every `everyMs` until `check()` gives something
 * truthy, and return that (so a check can hand back what it found); fail naming `what` once
 * `timeoutMs` has passed. `what` may be a function, to describe what was seen at the time out.
 * A check that throws fails the wait at once. Never a sleep standing in for synchronisation.
 */
export async function waitUntil<T>(check: () => T | Promise<T>, what: string | (() => string), timeoutMs = 5_000, everyMs = 10): Promise<Found<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found) return found as Found<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
