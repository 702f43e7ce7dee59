import type { ConsolaInstance } from "consola";
import { ExitCode } from "../core/errors.ts";

/**
 * Make an uncaught exception or unhandled rejection in a running gateway visible: log it with its
 * stack (to logs/bosun.log, redacted like every record), then exit 1 at once. The process state is
 * unknown after such an error, so nothing is shut down in order; the running record stays, and
 * `bosun status` reports the gateway as crashed with this record as its last log line.
 */
export function exitOnCrash(log: ConsolaInstance): void {
  let crashing = false;
  const fatal = (kind: string, e: unknown) => {
    // main.ts ends quietly when a reader of our output went away; that is not a crash.
    if ((e as { code?: unknown } | null)?.code === "EPIPE") return;
    if (crashing) process.exit(ExitCode.failed);
    crashing = true;
    const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    try {
      // Synchronous: the record is on disk before we exit.
      log.withTag("crash").error(`gateway crashed: ${kind}: ${detail}`);
    } finally {
      process.exit(ExitCode.failed);
    }
  };
  // Before main.ts's handler, which would exit without a trace in the log.
  process.prependListener("uncaughtException", (e) => fatal("uncaught exception", e));
  process.prependListener("unhandledRejection", (reason) => fatal("unhandled rejection", reason));
}
