import { cleanStaleRun, type CleanedRun } from "../core/stale-run.ts";
import type { CliContext } from "./context.ts";
import { err } from "./output.ts";

/** The run files removed, as the user sees them: `run/gateway.lock, run/gateway.json`. */
export function removedList(cleaned: CleanedRun): string {
  return cleaned.removed.map((f) => `run/${f}`).join(", ");
}

/**
 * `up`: remove what a gateway that died without stopping left in run/ (core/stale-run.ts, under
 * the gateway lock) and say so in one line on stderr.
 */
export function cleanUpStaleRun(ctx: CliContext): CleanedRun {
  const cleaned = cleanStaleRun(ctx.paths);
  if (cleaned.removed.length === 0) return cleaned;
  const { crash } = cleaned;
  const who = crash ? `a gateway that crashed (pid ${crash.pid}, last alive at ${crash.lastAliveAt})` : "an earlier gateway";
  err(`cleaned up after ${who}: removed ${removedList(cleaned)}`);
  return cleaned;
}
