import { existsSync } from "node:fs";
import type { LoadedConfig } from "../core/config/load.ts";
import type { GatewayApi, InstallsQuery } from "../core/control/api.ts";
import { uninstallTarget } from "../core/control/actions.ts";
import { ControlClient, notRunningError, readRunningRecord, type ClientOrigin } from "../core/control/client.ts";
import { ConfigError } from "../core/errors.ts";
import type { Installer } from "../core/installs/installer.ts";
import type { CatalogEntry } from "../core/installs/types.ts";
import { findCrash } from "../core/stale-run.ts";
import type { Status } from "../core/status.ts";
import { storedStatus } from "../core/stored-status.ts";
import { embeddedSidecar } from "../core/voice/embedded-sidecar.ts";
import { voiceNow } from "../core/voice/voice-status.ts";
import { storedCounts, storedList, storedSession, storedSessionAction } from "./stored-sessions.ts";
import { loadForCli } from "./config-load.ts";
import type { CliContext } from "./context.ts";
import { VERSION } from "./version.ts";

/** The API a command talks to, and whether a gateway answers it. */
export interface CliApi {
  api: GatewayApi;
  /** True when a gateway runs on this home and `api` goes through it. */
  running: boolean;
}

/**
 * The one place a command decides "through the running gateway or in-process": the running
 * gateway's API when one owns this home, else an in-process one over what is stored (status from
 * the config, installs under the same guard the gateway uses). What needs a gateway (send,
 * adapter control, shutdown, events) is `not_running` (exit 4) in-process.
 */
export function gatewayApi(ctx: CliContext, opts: { origin?: ClientOrigin; installer?: Installer } = {}): CliApi {
  if (readRunningRecord(ctx.paths)) return { api: ControlClient.connect(ctx.paths, opts.origin ?? "cli"), running: true };
  return { api: offlineApi(ctx, opts.installer), running: false };
}

/**
 * The config error a status carries, as the error to report (file:line:col, exit 3), when no
 * gateway runs: then the broken file is all there is. A running gateway keeps serving its last
 * good config (the error is a refused reload), so it is shown, not an exit code.
 */
export function configFailure(status: Status): ConfigError | null {
  const e = status.gateway.configError;
  if (!e || status.gateway.state === "running") return null;
  return new ConfigError(e.message, { file: e.file, line: e.line, column: e.column, ...(e.key ? { key: e.key } : {}), ...(e.hint ? { hint: e.hint } : {}) });
}

/** The running gateway's API, or `not_running` (exit 4) for what only a gateway can do. */
export function runningGateway(ctx: CliContext, origin: ClientOrigin = "cli"): GatewayApi {
  return ControlClient.connect(ctx.paths, origin);
}

/**
 * The API with no gateway: reads from the config and the home's database, installs in this
 * process. The config and the installer are opened on first use, so `status` on a broken config
 * still answers (with the config error) and nothing opens the database it does not need.
 */
function offlineApi(ctx: CliContext, shared?: Installer): GatewayApi {
  let loaded: LoadedConfig | undefined;
  let installer = shared;
  const config = () => (loaded ??= loadForCli(ctx));
  const open = async () => (installer ??= (await import("./installer-context.ts")).openInstaller(ctx, config()));
  const installs = async (req?: InstallsQuery) => (await open()).list([...config().config.installs.want, ...(req?.targets ?? [])]);
  const status = async (): Promise<Status> => {
    try {
      const s = storedStatus(VERSION, config(), null, findCrash(ctx.paths));
      s.voice.sidecar = embeddedSidecar !== null;
      if (existsSync(ctx.paths.db)) {
        s.installs = await installs();
        Object.assign(s, await storedCounts(ctx.paths));
        Object.assign(s.voice, await voiceNow(await open(), config().config.voice));
      }
      return s;
    } catch (e) {
      if (e instanceof ConfigError) return storedStatus(VERSION, null, e.toJSON(), findCrash(ctx.paths));
      throw e;
    }
  };
  const offline = async () => (await import("./offline-integrations.ts")).offlineIntegrations(ctx, config);
  const refuse = async (): Promise<never> => {
    throw notRunningError();
  };
  return {
    status,
    adapters: async () => (await status()).adapters,
    installs,
    sessions: (req) => storedList(ctx.paths, req),
    sessionAction: (id, action) => storedSessionAction(ctx.paths, id, action),
    session: (id) => storedSession(ctx.paths, id),
    // No gateway: the sources are started in this process for the one answer (offline-integrations.ts).
    integrations: async (req) => (await offline()).report(req),
    integrationTools: async (req) => (await offline()).tools(req?.source),
    async integrationConnect(r) {
      return (await offline()).connect(r.toolkit);
    },
    async integrationDisconnect(r) {
      return (await offline()).disconnect(r.toolkit);
    },
    catalog: () => catalogOf(config()),
    async install(r) {
      const i = await open();
      for (const t of r.targets) i.entry(t);
      const results = await Promise.all(r.targets.map((t) => i.request(t, { force: r.force === true })));
      return { installs: results.map((x) => ({ started: x.started, status: x.status, holderPid: x.started ? null : x.holderPid })) };
    },
    cancelInstall: async (r) => ({ cancelled: (await open()).cancel(r.target) }),
    uninstall: async (r) => uninstallTarget(await open(), r.target),
    send: refuse,
    shutdown: refuse,
    adapter: refuse,
    events: refuse,
    // `bosun chat` runs a gateway in-process when none runs: a chat needs one.
    async *chat() {
      await refuse();
    },
    cancelChat: refuse,
    chatHistory: refuse,
    // Restoring is answering: with no gateway, `bosun up --restore` is the way (restore.ts says so).
    restore: refuse,
    // No gateway: the sidecar and the Piper voice run in this process (offline-voice.ts).
    transcribe: async (r, signal) => (await import("./offline-voice.ts")).offlineTranscribe(ctx, config(), open, r, signal ?? new AbortController().signal),
    speak: async (r, signal) => (await import("./offline-voice.ts")).offlineSpeak(ctx, config(), open, r, signal ?? new AbortController().signal),
  };
}

/** The built-in catalogue plus the config's custom entries (a custom entry replaces a built-in one of the same name). */
export async function catalogOf(loaded: LoadedConfig): Promise<CatalogEntry[]> {
  const { builtinCatalog, customEntries } = await import("../core/installs/catalog/catalog.ts");
  const custom = customEntries(loaded.config.installs.custom);
  const shadowed = new Set(custom.map((e) => e.target));
  return [...builtinCatalog().filter((e) => !shadowed.has(e.target)), ...custom];
}
