import { z } from "zod";
import type { StartOutcome } from "../adapters/supervisor.ts";
import type { BosunEvent } from "../events.ts";
import type { CatalogEntry } from "../installs/types.ts";
import type { AdapterStatus, InstallStatus, IntegrationStatus, Status } from "../status.ts";

/**
 * The gateway's API: every read and action it offers, with typed requests, results and errors.
 * The gateway implements it in-process (local.ts), ControlClient over the control socket, and
 * the control server is a route table over it (server.ts). The CLI and both dashboards call
 * only this, so a new action is one method here, one route, and one line in each implementation.
 */
/** Which install rows to include besides the listed ones. */
export interface InstallsQuery {
  targets?: string[];
}

export interface GatewayApi {
  status(): Promise<Status>;
  adapters(): Promise<AdapterStatus[]>;
  /**
   * The install rows `bosun installs` lists (stored, on disk, wanted), plus one for each of
   * `targets` whatever it is: a follower learns this way when a holder died before its first write.
   */
  installs(req?: InstallsQuery): Promise<InstallStatus[]>;
  sessions(): Promise<Status["sessions"]>;
  integrations(): Promise<IntegrationStatus[]>;
  /** The installable entries (built-in catalogue plus `[[installs.custom]]`). */
  catalog(): Promise<CatalogEntry[]>;
  send(req: SendRequest): Promise<{ ok: true }>;
  /** Asks the gateway to stop; resolves once the request is taken, before it has stopped. */
  shutdown(): Promise<{ ok: true }>;
  adapter(action: AdapterAction, name: string): Promise<AdapterControlResult>;
  install(req: InstallRequestBody): Promise<InstallResult>;
  cancelInstall(req: TargetRequest): Promise<{ cancelled: boolean }>;
  uninstall(req: TargetRequest): Promise<UninstallResult>;
  /**
   * Follow the event stream: a snapshot first, the recent log records, then every event.
   * Resolves when the stream ends (the gateway stopped) or `signal` aborts.
   */
  events(onEvent: (e: BosunEvent) => void, signal: AbortSignal): Promise<void>;
}

export type AdapterAction = "restart" | "stop" | "start";
export const ADAPTER_ACTIONS: readonly AdapterAction[] = ["restart", "stop", "start"];

export interface AdapterControlResult {
  outcome: StartOutcome | "stopped";
  /** The adapter's status after the action (null if it is gone). */
  adapter: AdapterStatus | null;
}

export interface InstallRequestResult {
  started: boolean;
  status: InstallStatus;
  /** Who holds the install when it did not start here (another process), if known. */
  holderPid: number | null;
}

export interface UninstallResult {
  /** The state it left behind ("missing" once removed). */
  status: InstallStatus;
  /** Whether there was anything to remove (files or a partial download); false: nothing was installed. */
  removed: boolean;
}

export interface InstallResult {
  installs: InstallRequestResult[];
}

// Requests are validated against these (wrong types, unknown fields and a missing field are 400s).
export const SendRequestSchema = z.strictObject({ adapter: z.string().min(1), target: z.string().min(1), text: z.string().min(1) });
export const InstallRequestSchema = z.strictObject({ targets: z.array(z.string().min(1)).min(1), force: z.boolean().optional() });
export const TargetRequestSchema = z.strictObject({ target: z.string().min(1) });

export type SendRequest = z.infer<typeof SendRequestSchema>;
export type InstallRequestBody = z.infer<typeof InstallRequestSchema>;
export type TargetRequest = z.infer<typeof TargetRequestSchema>;

/**
 * Every error code the API answers with, and its HTTP status: the one table. Codes raised by the
 * gateway's parts (an unknown adapter, a busy install) are here too, so a client can rely on them.
 */
export const API_ERRORS = {
  /** The body is not JSON, or not the shape the route takes. */
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  /** No such route. */
  not_found: 404,
  adapter_unknown: 404,
  unknown_target: 404,
  /** The path exists, with another method (the answer's Allow header lists them). */
  method_not_allowed: 405,
  /** The adapter is not running, so it cannot send. */
  adapter_down: 409,
  /** The adapter cannot send on its own (a webhook only answers requests). */
  not_deliverable: 409,
  /** Nobody is there to receive it (no browser on that webchat conversation). */
  not_delivered: 409,
  /** The target is being installed, so it cannot be removed now. */
  install_busy: 409,
  /** The gateway is still starting, or already stopping. */
  not_ready: 503,
  internal: 500,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error body as the API writes it. */
export interface ApiErrorBody {
  error: { code: string; message: string; hint: string | null };
}

/** The HTTP status for an error code; an expected failure the table does not name yet is a conflict. */
export function httpStatusOf(code: string): number {
  return Object.hasOwn(API_ERRORS, code) ? API_ERRORS[code as ApiErrorCode] : 409;
}
