import type { ConfigErrorInfo } from "./errors.ts";
import type { BosunEvent } from "./events.ts";

/** `crashed`: the running record is there but its process is gone (read from stored state only). */
export type GatewayState = "starting" | "running" | "stopping" | "stopped" | "crashed";
export type AdapterState = "starting" | "running" | "backoff" | "stopping" | "stopped" | "failed";
export type InstallState = "missing" | "queued" | "installing" | "installed" | "broken" | "error";

export interface GatewayStatus {
  state: GatewayState;
  pid: number | null;
  version: string;
  uptimeMs: number;
  startedAt: string | null;
  configPath: string | null;
  provider: string;
  configError: ConfigErrorInfo | null;
  /** Only when state is `crashed`. */
  crash?: GatewayCrash;
}

/** One record of the log file; a line that is not a record (runtime output) has only `message`. */
export interface LogLine {
  at: string | null;
  level: string | null;
  tag: string | null;
  message: string;
}

/** What is known of a gateway that died without stopping. */
export interface GatewayCrash {
  /**
   * When the gateway was last known alive: the latest of its heartbeat (the running record's
   * modification time, renewed every `[gateway] heartbeat_ms`), the log's last write and its last record.
   */
  lastAliveAt: string;
  lastLog: LogLine | null;
}

export interface AdapterStatus {
  name: string;
  kind: string;
  state: AdapterState;
  restarts: number;
  since: string;
  lastError: string | null;
  nextRetryAt: string | null;
  lastInboundAt: string | null;
  lastOutboundAt: string | null;
  /**
   * Messages received / sent through this adapter since the gateway started. Counted by
   * reduceStatus from message events (the supervisor does not know them), so every view agrees.
   */
  messagesIn?: number;
  messagesOut?: number;
  /** Fingerprint of the adapter's config (secrets hashed); changes exactly when a restart is needed. */
  fingerprint?: string;
}

export interface InstallStatus {
  target: string;
  state: InstallState;
  progress: number;
  downloadedBytes: number;
  totalBytes: number;
  stage: string | null;
  error: string | null;
}

export interface IntegrationStatus {
  name: string;
  state: string;
  toolkits: number;
  cacheAgeMs: number | null;
}

/** The shape of `bosun status --json` and `GET /v1/status` (product.md). */
export interface Status {
  gateway: GatewayStatus;
  adapters: AdapterStatus[];
  installs: InstallStatus[];
  sessions: { total: number; active: number; errored: number };
  integrations: IntegrationStatus[];
}

/** A status with nothing running. */
export function emptyStatus(version: string): Status {
  return {
    gateway: { state: "stopped", pid: null, version, uptimeMs: 0, startedAt: null, configPath: null, provider: "echo", configError: null },
    adapters: [],
    installs: [],
    sessions: { total: 0, active: 0, errored: 0 },
    integrations: [],
  };
}

/**
 * The one reducer from events to status. The gateway keeps its own status with it, and the
 * dashboard (in-process or attached over /v1/events) uses the same function, so they cannot drift.
 */
export function reduceStatus(s: Status, e: BosunEvent): Status {
  switch (e.type) {
    case "snapshot":
      return e.status;
    case "gateway.state":
      return { ...s, gateway: { ...s.gateway, ...e.gateway } };
    case "config.error":
      return { ...s, gateway: { ...s.gateway, configError: e.error } };
    case "config.reloaded":
      return { ...s, gateway: { ...s.gateway, configError: null, configPath: e.configPath } };
    case "adapter.state": {
      const i = s.adapters.findIndex((a) => a.name === e.adapter.name);
      const adapters = s.adapters.slice();
      const prev = adapters[i];
      // The event is the supervisor's view, which has no counts: keep the ones folded so far.
      const next = { ...e.adapter, messagesIn: e.adapter.messagesIn ?? prev?.messagesIn ?? 0, messagesOut: e.adapter.messagesOut ?? prev?.messagesOut ?? 0 };
      if (i === -1) adapters.push(next);
      else adapters[i] = next;
      adapters.sort((a, b) => a.name.localeCompare(b.name));
      return { ...s, adapters };
    }
    case "adapter.removed":
      return { ...s, adapters: s.adapters.filter((a) => a.name !== e.name) };
    case "message.inbound":
    case "message.outbound": {
      const inbound = e.type === "message.inbound";
      return {
        ...s,
        adapters: s.adapters.map((a) =>
          a.name !== e.adapter
            ? a
            : inbound
              ? { ...a, lastInboundAt: e.at, messagesIn: (a.messagesIn ?? 0) + 1 }
              : { ...a, lastOutboundAt: e.at, messagesOut: (a.messagesOut ?? 0) + 1 },
        ),
      };
    }
    case "install.state": {
      const i = s.installs.findIndex((x) => x.target === e.install.target);
      const installs = s.installs.slice();
      if (i === -1) installs.push(e.install);
      else installs[i] = e.install;
      return { ...s, installs };
    }
    case "log":
      return s;
  }
}

/** Uptime recomputed from startedAt so readers never see a frozen counter. */
export function withUptime(s: Status, now: number): Status {
  if (s.gateway.state !== "running" || !s.gateway.startedAt) return s;
  return { ...s, gateway: { ...s.gateway, uptimeMs: Math.max(0, now - Date.parse(s.gateway.startedAt)) } };
}
