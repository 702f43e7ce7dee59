import { createConsola } from "consola";
import type { LoadedConfig } from "../core/config/load.ts";
import { checkCustomInstalls } from "../core/installs/check-config.ts";
import { Installer } from "../core/installs/installer.ts";
import { openDatabase } from "../core/sessions/db.ts";
import { ensurePrivateDir } from "../core/util/fsx.ts";
import type { CliContext } from "./context.ts";
import { err, formatLog } from "./output.ts";

/** An installer over this home's database, configured like the gateway's (mirror, timeouts, custom entries). */
export function openInstaller(ctx: CliContext, loaded: LoadedConfig): Installer {
  ensurePrivateDir(ctx.paths.home);
  const db = openDatabase(ctx.paths.db);
  const cfg = loaded.config.installs;
  const log = createConsola({
    level: ctx.flags.verbose ? 4 : 1,
    reporters: [{ log: (o) => err(formatLog(o.level <= 1 ? "warn" : "info", o.tag || "installs", o.args.join(" "), o.date.toISOString())) }],
  });
  return new Installer({
    modelsDir: ctx.paths.models,
    db,
    bus: null,
    log,
    mirror: ctx.env.BOSUN_MODEL_MIRROR || cfg.mirror,
    connectTimeoutMs: cfg.connect_timeout_ms,
    idleTimeoutMs: cfg.idle_timeout_ms,
    custom: checkCustomInstalls(cfg, { file: loaded.path }),
  });
}
