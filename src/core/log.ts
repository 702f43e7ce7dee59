import { appendFileSync, chmodSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { formatWithOptions } from "node:util";
import { createConsola, type ConsolaInstance, type LogObject } from "consola";
import type { EventBus, LogLevel } from "./events.ts";
import { ensurePrivateDir } from "./util/fsx.ts";
import type { Redactor } from "./util/redact.ts";

// One redaction path for every output; the logger is one of its users.
export { Redactor } from "./util/redact.ts";

const LEVELS: Record<string, LogLevel> = {
  fatal: "error",
  error: "error",
  warn: "warn",
  log: "info",
  info: "info",
  success: "info",
  ready: "info",
  start: "info",
  box: "info",
  debug: "debug",
  trace: "debug",
  verbose: "debug",
};

export interface LoggerOptions {
  bus: EventBus;
  redactor: Redactor;
  /** JSON-lines log file; omitted = no file. */
  file?: string;
  /** consola level: 3 = info, 4 = debug. */
  level?: number;
}

/**
 * The core logger: consola with two reporters, a JSON-lines file and `log` events on the bus.
 * Core never prints; the CLI decides where `log` events go (stderr, or the dashboard's pane).
 */
export function createLogger(opts: LoggerOptions): ConsolaInstance {
  let fileReady = false;
  const reporter = {
    log(obj: LogObject) {
      const message = opts.redactor.apply(formatWithOptions({ breakLength: Infinity }, ...(obj.args as unknown[])));
      const level = LEVELS[obj.type] ?? "info";
      const at = obj.date.toISOString();
      const tag = obj.tag || "bosun";
      if (opts.file) {
        try {
          if (!fileReady) {
            ensurePrivateDir(dirname(opts.file));
            if (!existsSync(opts.file)) appendFileSync(opts.file, "", { mode: 0o600 });
            chmodSync(opts.file, 0o600);
            fileReady = true;
          }
          appendFileSync(opts.file, JSON.stringify({ at, level, tag, message }) + "\n");
        } catch {
          // A full disk must not stop the gateway; the bus still carries the record.
        }
      }
      opts.bus.emit({ type: "log", at, level, tag, message });
    },
  };
  return createConsola({ level: opts.level ?? 3, reporters: [reporter] });
}
