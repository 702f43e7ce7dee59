import type { ConsolaInstance } from "consola";
import type { DatabaseSync } from "node:sqlite";
import type { InstallsConfig } from "../config/schema.ts";
import type { EventBus } from "../events.ts";
import type { Clock } from "../util/clock.ts";
import { customEntries } from "./catalog/catalog.ts";
import { Installer } from "./installer.ts";
import type { CatalogEntry } from "./types.ts";

/** What an installer is built from besides `[installs]`. */
export interface InstallerSetup {
  modelsDir: string;
  db: DatabaseSync;
  /** Where install states go; null for a one-shot command that prints its own progress. */
  bus: EventBus | null;
  log: ConsolaInstance;
  env: Record<string, string | undefined>;
  clock?: Clock;
}

/**
 * The installer `[installs]` describes, for the gateway and for a command run without one alike:
 * `$BOSUN_MODEL_MIRROR` wins over `mirror`, the timeouts and the custom entries come from config.
 * `custom` is given when the caller checked `[[installs.custom]]` already (with file positions).
 */
export function configuredInstaller(setup: InstallerSetup, cfg: InstallsConfig, custom: CatalogEntry[] = customEntries(cfg.custom)): Installer {
  return new Installer({
    modelsDir: setup.modelsDir,
    db: setup.db,
    bus: setup.bus,
    log: setup.log,
    mirror: setup.env.BOSUN_MODEL_MIRROR || cfg.mirror,
    connectTimeoutMs: cfg.connect_timeout_ms,
    idleTimeoutMs: cfg.idle_timeout_ms,
    custom,
    wanted: (target) => cfg.want.includes(target),
    ...(setup.clock ? { clock: setup.clock } : {}),
  });
}
