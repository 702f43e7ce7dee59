import { AbortedError } from "../core/util/abort.ts";

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED = 130;

/**
 * Run a long one-shot command's work with a signal that Ctrl-C (or a SIGTERM) aborts: in this
 * process the work stops (a sidecar is killed); through the gateway the request is dropped and the
 * gateway stops it. Resolves with the work's result, or INTERRUPTED when it was stopped so.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T | typeof INTERRUPTED> {
  const ac = new AbortController();
  const onInterrupt = () => ac.abort();
  process.once("SIGINT", onInterrupt);
  process.once("SIGTERM", onInterrupt);
  try {
    return await work(ac.signal);
  } catch (e) {
    if (e instanceof AbortedError || ac.signal.aborted) return INTERRUPTED;
    throw e;
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
  }
}
