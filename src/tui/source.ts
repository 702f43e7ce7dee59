import type { GatewayApi, SessionAction } from "../core/control/api.ts";
import type { BosunEvent } from "../core/events.ts";
import type { Redactor } from "../core/util/redact.ts";
import type { Outcome } from "./control.ts";

/** One installable model or voice, as the catalogue picker lists it. */
export interface CatalogItem {
  target: string;
  engine: string;
  description: string;
  language: string;
  quality?: string;
  size: number;
}

/** What the dashboard can ask of the gateway (the same operations as the CLI subcommands). */
export interface DashboardActions {
  /**
   * Restart, stop or start an adapter by name; resolves with the outcome ("running", "still
   * starting" busy, "failed"), rejects with an Error whose message is for the user. Every action
   * resolves with its kind, so the footer never reads a colour from the words.
   */
  adapter(action: "restart" | "stop" | "start", name: string): Promise<Outcome>;
  /** Installable entries (built-in catalogue plus custom ones), for the picker. */
  catalog?(): Promise<CatalogItem[]>;
  /** Start installing a target; resolves with a short outcome ("installing", "already installed", "already being installed by pid N"). */
  install?(target: string): Promise<Outcome>;
  /** Cancel a running install (the partial download is kept). */
  cancelInstall?(target: string): Promise<Outcome>;
  /** Remove an installed target. */
  uninstall?(target: string): Promise<Outcome>;
  /** Reset, stop or start a session by id or key; resolves with the state it is left in. */
  session?(action: SessionAction, id: string): Promise<Outcome>;
}

/** The session reads the Sessions pane polls: the listing (the gateway's cache, cheap) and one transcript. */
export type SessionReads = Pick<GatewayApi, "sessions" | "session">;

/** The integration reads the Integrations pane polls: every source's row (a listing of connections, semantics §6) and one source's tools with why any is not offered. */
export type IntegrationReads = Pick<GatewayApi, "integrations" | "integrationTools">;

/**
 * Where the dashboard's events come from: the in-process event bus, or an attached
 * gateway's `/v1/events` stream. Both feed the same reducer, so the two views cannot drift.
 */
export interface DashboardSource {
  mode: "in-process" | "attached";
  /** Control operations; absent = a read-only view. */
  actions?: DashboardActions;
  /** Session reads; absent = the Sessions pane can only say so. */
  sessions?: SessionReads;
  /** Integration reads; absent = the Integrations pane can only say so. */
  integrations?: IntegrationReads;
  /**
   * Subscribe; must deliver a "snapshot" event first, then every event. After a lost
   * connection is restored, a fresh snapshot must again precede further events.
   * `onConnection(false)` marks what is shown as stale. Returns unsubscribe.
   */
  subscribe(listener: (e: BosunEvent) => void, onConnection?: (connected: boolean) => void): () => void;
}

/**
 * The in-process dashboard's source: the gateway API's event stream (a snapshot, the recent log
 * records, then every event), each event redacted, as an attached dashboard gets it over the
 * socket. `actions` is passed through as is; without it the view is read-only.
 */
export function apiSource(api: Pick<GatewayApi, "events"> & Partial<SessionReads> & Partial<IntegrationReads>, redactor: Pick<Redactor, "deep">, actions?: DashboardActions): DashboardSource {
  const { sessions, session, integrations, integrationTools } = api;
  return {
    mode: "in-process",
    ...(sessions && session ? { sessions: { sessions: async (r) => redactor.deep(await sessions.call(api, r)), session: async (id) => redactor.deep(await session.call(api, id)) } } : {}),
    // A server's errors and tool descriptions may quote a header or a URL with a secret in it.
    ...(integrations && integrationTools
      ? { integrations: { integrations: async (r) => redactor.deep(await integrations.call(api, r)), integrationTools: async (r) => redactor.deep(await integrationTools.call(api, r)) } }
      : {}),
    ...(actions ? { actions } : {}),
    subscribe(listener, onConnection) {
      const following = new AbortController();
      void api.events((e) => listener(redactor.deep(e)), following.signal);
      onConnection?.(true);
      return () => following.abort();
    },
  };
}
