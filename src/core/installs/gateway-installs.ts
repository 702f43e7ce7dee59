import type { InstallsConfig } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import type { EventBus } from "../events.ts";
import type { Clock } from "../util/clock.ts";
import { configuredInstaller, type InstallerSetup } from "./configured.ts";
import type { Installer, InstallRequest } from "./installer.ts";

export interface InstallServiceOptions extends InstallerSetup {
  bus: EventBus;
  clock: Clock;
}

/**
 * The gateway's side of installs: one installer configured from `[installs]`, the wanted targets
 * started in the background, a reload that swaps the configuration, and cancellation at shutdown.
 */
export class InstallService {
  #installer: Installer;
  /** Installers replaced by a reload whose jobs may still run (cancelled at shutdown). */
  #retired: Installer[] = [];
  #cfg: InstallsConfig;

  constructor(private readonly opts: InstallServiceOptions, cfg: InstallsConfig) {
    this.#cfg = cfg;
    this.#installer = this.#create(cfg);
  }

  /** The current installer. */
  get installer(): Installer {
    return this.#installer;
  }

  /** Publish what is installed (recovering interrupted installs), then start the missing wanted targets. */
  async start(): Promise<void> {
    await this.#startWanted(this.#cfg.want);
  }

  /** Ask for installs; every name is checked before anything starts. */
  async install(targets: string[], force = false): Promise<InstallRequest[]> {
    const installer = this.#installer;
    for (const t of targets) installer.entry(t);
    return Promise.all(targets.map((t) => installer.request(t, { force })));
  }

  /** Apply a changed `[installs]`: running jobs finish on the old installer (the guard is process-wide, so nothing downloads twice). */
  reload(cfg: InstallsConfig): void {
    if (JSON.stringify(cfg) === JSON.stringify(this.#cfg)) return;
    this.#cfg = cfg;
    this.#retired.push(this.#installer);
    this.#installer = this.#create(cfg);
    void this.#startWanted(cfg.want).catch((err) => this.opts.log.error(`[installs] after reload: ${errorMessage(err)}`));
  }

  /** Cancel every running install (partial downloads are kept) and wait for them to stop. */
  async stop(): Promise<void> {
    await Promise.all([this.#installer, ...this.#retired].map((i) => i.cancelAll()));
  }

  #create(cfg: InstallsConfig): Installer {
    return configuredInstaller(this.opts, cfg);
  }

  async #startWanted(want: string[]): Promise<void> {
    const installer = this.#installer;
    const known = want.filter((t) => {
      try {
        installer.entry(t);
        return true;
      } catch {
        this.opts.log.error(`[installs] want: unknown target "${t}" (see \`bosun catalog\`)`);
        return false;
      }
    });
    for (const s of await installer.list(known)) this.opts.bus.emit({ type: "install.state", install: s });
    for (const t of known) {
      if ((await installer.status(t)).state === "installed") continue;
      const r = await installer.request(t);
      if (r.started) this.opts.log.info(`installing ${t} (wanted in [installs])`);
    }
  }
}
