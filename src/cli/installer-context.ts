import type { LoadedConfig } from "../core/config/load.ts";
import { EventBus } from "../core/events.ts";
import { checkCustomInstalls } from "../core/installs/check-config.ts";
import type { Installer } from "../core/installs/installer.ts";
import { configuredInstaller } from "../core/installs/configured.ts";
import { createLogger } from "../core/log.ts";
import { openDatabase } from "../core/db.ts";
import { ensurePrivateDir } from "../core/util/fsx.ts";
import type { CliContext } from "./context.ts";
import { err, formatLog } from "./output.ts";

/** An installer over this home's database, configured like the gateway's (mirror, timeouts, custom entries). */
export function openInstaller(ctx: CliContext, loaded: LoadedConfig): Installer {
  ensurePrivateDir(ctx.paths.home);
  const db = openDatabase(ctx.paths.db);
  // Core's logger with the command's redactor (which holds the config's and the environment's
  // secrets), as in the gateway; its records go to stderr (warnings and errors; all with --verbose).
  const bus = new EventBus();
  bus.onType("log", (e) => err(formatLog(e.level, e.tag, e.message, e.at)));
  const log = createLogger({ bus, redactor: ctx.redactor, level: ctx.flags.verbose ? 4 : 1 }).withTag("installs");
  const custom = checkCustomInstalls(loaded.config.installs, { file: loaded.path });
  return configuredInstaller({ modelsDir: ctx.paths.models, db, bus: null, log, env: ctx.env }, loaded.config.installs, custom);
}
