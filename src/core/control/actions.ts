import { existsSync } from "node:fs";
import type { StartOutcome } from "../adapters/supervisor.ts";
import { errorMessage } from "../errors.ts";
import type { CatalogEntry } from "../installs/types.ts";
import type { InstallRequest } from "../installs/installer.ts";
import type { InstallStatus } from "../status.ts";
import { escapeControls } from "../util/text.ts";
import type { AdapterAction, UninstallResult } from "./api.ts";

/** Where an operator action came from, as its log line names it. */
export type ActionOrigin = "cli" | "dashboard" | "control API";

/** The request header a bosun client names itself in (`cli` or `dashboard`). */
export const ORIGIN_HEADER = "x-bosun-origin";

const CLIENT_ORIGINS: ReadonlySet<string> = new Set(["cli", "dashboard"]);

/**
 * The origin a request claims. Only the known values are believed: anything else (absent, or text
 * a caller made up) is "control API", and header text itself never reaches a log line.
 */
export function originOf(header: string | null): ActionOrigin {
  const v = header?.trim().toLowerCase() ?? "";
  return CLIENT_ORIGINS.has(v) ? (v as ActionOrigin) : "control API";
}

/** What an operator can do to a gateway (the gateway itself satisfies this). */
export interface ActionTarget {
  log: { info(message: string): void; warn(message: string): void };
  stop(reason?: string): Promise<void>;
  send(adapter: string, target: string, text: string): Promise<void>;
  control(action: AdapterAction, name: string): Promise<StartOutcome | "stopped">;
  install(targets: string[], force: boolean): Promise<InstallRequest[]>;
  installer: { cancel(target: string): boolean } & Uninstaller;
}

/** What an uninstall needs of an installer (the gateway's, or one opened by a command). */
export interface Uninstaller {
  entry(target: string): CatalogEntry;
  filePaths(entry: CatalogEntry): string[];
  uninstall(target: string): Promise<InstallStatus>;
}

/**
 * Uninstall a target and say whether anything was there to remove (its files, or a partial
 * download): the one place that decides, for the gateway and for a command with none running.
 */
export async function uninstallTarget(installer: Uninstaller, target: string): Promise<UninstallResult> {
  const removed = installer.filePaths(installer.entry(target)).some((p) => existsSync(p) || existsSync(`${p}.part`));
  return { status: await installer.uninstall(target), removed };
}

const DONE = { restart: "restarted", stop: "stopped", start: "started" } as const;

/**
 * The operator actions, each logged with what was done and where it came from ("adapter web
 * restarted (dashboard)"). The control API and the in-process dashboard both go through these, so
 * every action is logged once, the same way. A message's text is never logged.
 */
export function operatorActions(h: ActionTarget, origin: ActionOrigin) {
  const by = `(${origin})`;
  const failed = (what: string, err: unknown): never => {
    h.log.warn(`${what} failed ${by}: ${oneLine(errorMessage(err))}`);
    throw err;
  };
  return {
    async adapter(action: AdapterAction, name: string): Promise<StartOutcome | "stopped"> {
      let outcome: StartOutcome | "stopped";
      try {
        outcome = await h.control(action, name);
      } catch (err) {
        return failed(`adapter ${shown(name)} ${action}`, err);
      }
      const after = outcome === "failed" ? "; it failed to start" : outcome === "still-starting" ? "; still starting" : "";
      h.log.info(`adapter ${shown(name)} ${DONE[action]} ${by}${after}`);
      return outcome;
    },

    async install(targets: string[], force: boolean): Promise<InstallRequest[]> {
      let results: InstallRequest[];
      try {
        results = await h.install(targets, force);
      } catch (err) {
        return failed(`install ${targets.map(shown).join(", ")}`, err);
      }
      results.forEach((r, i) => {
        const target = shown(targets[i] ?? "?");
        if (r.started) h.log.info(`install ${target} started${force ? " with --force" : ""} ${by}`);
        else h.log.info(`install ${target} requested ${by}; not started: ${r.status.state === "installed" ? "already installed" : "already being installed"}`);
      });
      return results;
    },

    cancelInstall(target: string): boolean {
      const cancelled = h.installer.cancel(target);
      h.log.info(cancelled ? `install ${shown(target)} cancelled ${by}` : `install ${shown(target)} cancel requested ${by}; none was running`);
      return cancelled;
    },

    async uninstall(target: string): Promise<UninstallResult> {
      try {
        const result = await uninstallTarget(h.installer, target);
        h.log.info(`uninstall ${shown(target)} ${by}${result.removed ? "" : "; nothing was installed"}`);
        return result;
      } catch (err) {
        return failed(`uninstall ${shown(target)}`, err);
      }
    },

    async send(adapter: string, target: string, text: string): Promise<void> {
      try {
        await h.send(adapter, target, text);
      } catch (err) {
        failed(`send through ${shown(adapter)} to ${shown(target)}`, err);
      }
      h.log.info(`send through ${shown(adapter)} to ${shown(target)} ${by} (${text.length} characters)`);
    },

    shutdown(): void {
      h.log.info(`shutdown requested ${by}`);
      queueMicrotask(() => void h.stop(origin));
    },
  };
}

/** A name from a request as a log line may hold it: bare when plain, else quoted with control characters escaped. */
function shown(name: string): string {
  const cut = clip(name, 120);
  return /^[\p{L}\p{N}._:@#+\/-]+$/u.test(cut) ? cut : `"${escapeControls(cut).replace(/"/g, '\\"')}"`;
}

/** Free text (an error message) on one line, control and direction characters escaped. */
function oneLine(text: string): string {
  return escapeControls(clip(text, 300));
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
