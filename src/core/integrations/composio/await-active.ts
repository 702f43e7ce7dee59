import { BosunError, errorMessage } from "../../errors.ts";
import { AbortedError } from "../../util/abort.ts";
import type { Clock } from "../../util/clock.ts";

/** First wait between checks; it doubles up to MAX_STEP_MS. */
const FIRST_STEP_MS = 500;
const MAX_STEP_MS = 4_000;
export const DEFAULT_ACTIVE_TIMEOUT_MS = 60_000;

/**
 * Wait for a connect flow to finish: ask `check` (is the account ACTIVE yet?) now, then after
 * 0.5 s, 1 s, 2 s, 4 s, 4 s... until it says yes (true) or `timeoutMs` has passed (false). A
 * check that throws (Composio briefly down) is tried again, not fatal; when the time runs out
 * and the last check threw, that error is what is reported (a BosunError naming it). Each check
 * is bounded by its own request timeout (the last one runs at the deadline); `signal` aborting
 * rejects with AbortedError.
 */
export async function waitForActive(check: (signal: AbortSignal) => Promise<boolean>, clock: Clock, opts: { timeoutMs?: number }, signal: AbortSignal): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ACTIVE_TIMEOUT_MS;
  const deadline = clock.monotonic() + timeoutMs;
  let step = FIRST_STEP_MS;
  let lastError: unknown = null;
  for (;;) {
    if (signal.aborted) throw new AbortedError();
    try {
      if (await check(signal)) return true;
      lastError = null;
    } catch (err) {
      if (signal.aborted) throw new AbortedError();
      lastError = err;
    }
    const left = deadline - clock.monotonic();
    if (left <= 0) break;
    await clock.sleep(Math.min(step, left), signal);
    step = Math.min(step * 2, MAX_STEP_MS);
  }
  if (lastError !== null) {
    throw new BosunError("integration_failed", `still not active after ${Math.round(timeoutMs / 1000)} s; the last check failed: ${errorMessage(lastError)}`, { cause: lastError });
  }
  return false;
}
