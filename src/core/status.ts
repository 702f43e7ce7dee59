import type { SourceReport } from "./integrations/types.ts";
import type { ConfigErrorInfo } from "./errors.ts";

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
  /** When it entered its state; null when no gateway runs (nothing has been in any state since). */
  since: string | null;
  lastError: string | null;
  nextRetryAt: string | null;
  lastInboundAt: string | null;
  lastOutboundAt: string | null;
  /**
   * Messages received / sent through this adapter since the gateway started. Counted by
   * reduceStatus (status-reducer.ts) from message events (the supervisor does not know them), so every view agrees.
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

/** One tool source's row in status (an MCP server, or one Composio toolkit): see integrations/types.ts. */
export type IntegrationStatus = SourceReport;

/** Local voice: what would transcribe and speak, and the transcriptions running now. */
export interface VoiceStatus {
  /** The Whisper model a voice message is transcribed with ("whisper:base.en"); null when none is installed. */
  stt: string | null;
  /** The Piper voice replies are spoken with; null when none is installed (or this build has no text to speech). */
  tts: string | null;
  /** Whether this build has the whisper sidecar (built with cmake and a C++ compiler). */
  sidecar: boolean;
  /** Session keys ("tg:5151") whose voice message is being transcribed now. */
  transcribing: string[];
}

/** Voice is on (the dashboard's `voice`): the sidecar is built and a Whisper model is installed. */
export function voiceEnabled(v: VoiceStatus | undefined): boolean {
  return v !== undefined && v.sidecar && v.stt !== null;
}

/** The shape of `bosun status --json` and `GET /v1/status` (product.md). */
export interface Status {
  gateway: GatewayStatus;
  adapters: AdapterStatus[];
  installs: InstallStatus[];
  sessions: { total: number; active: number; errored: number };
  /** Replies waiting for delivery, and those given up on (visible in their session). */
  outbox: { pending: number; dead: number };
  integrations: IntegrationStatus[];
  voice: VoiceStatus;
}

/** A status with nothing running. */
export function emptyStatus(version: string): Status {
  return {
    gateway: { state: "stopped", pid: null, version, uptimeMs: 0, startedAt: null, configPath: null, provider: "echo", configError: null },
    adapters: [],
    installs: [],
    sessions: { total: 0, active: 0, errored: 0 },
    outbox: { pending: 0, dead: 0 },
    integrations: [],
    voice: { stt: null, tts: null, sidecar: false, transcribing: [] },
  };
}

/** Uptime recomputed from startedAt so readers never see a frozen counter. */
export function withUptime(s: Status, now: number): Status {
  if (s.gateway.state !== "running" || !s.gateway.startedAt) return s;
  return { ...s, gateway: { ...s.gateway, uptimeMs: Math.max(0, now - Date.parse(s.gateway.startedAt)) } };
}
