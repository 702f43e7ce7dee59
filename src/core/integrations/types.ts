/**
 * The integrations contract: tool sources (one MCP server, or Composio), the tools they list,
 * what the agent is offered, and the report that answers "why can't the bot see my tool?".
 * The hub (hub.ts) owns the cache of semantics §6 and builds the offered list from sources; the
 * agent sees only a ToolBox; the CLI, the dashboard and the API see only reports.
 */
import type { ToolCall, ToolDefinition } from "../providers/types.ts";

/** One tool as its source lists it. */
export interface SourceTool {
  /** The source's own name ("read_text_file", "GMAIL_SEND_EMAIL"); what a call uses. */
  name: string;
  description?: string;
  /** JSON Schema of its arguments (MCP `inputSchema`, Composio `input_parameters`), unchecked. */
  inputSchema: unknown;
  /** Composio: the toolkit slug it belongs to ("gmail"). */
  toolkit?: string;
}

/** What one call of a tool came back with; a failed run is a result too (`isError`), never a throw. */
export interface ToolResult {
  /** Text for the model (MCP text content joined, Composio `data` as JSON, or the error's message). */
  text: string;
  isError: boolean;
}

/** A Composio toolkit's connection as the live listing saw it. */
export interface ToolkitConnection {
  /** Trimmed, lowercased slug ("gmail"). */
  toolkit: string;
  /** Status as Composio sent it, trimmed and upper-cased ("ACTIVE", "INITIATED", "EXPIRED"...); null when no account exists. */
  status: string | null;
  /** Counted as active (semantics §6: ACTIVE or CONNECTED). */
  active: boolean;
  /** The connected account's id (for disconnect), when one exists. */
  accountId: string | null;
}

/** A source's own health: an MCP server's supervision, or whether Composio answered. */
export type SourceState = "starting" | "running" | "backoff" | "failed" | "stopped" | "unavailable";

export interface SourceHealth {
  state: SourceState;
  /** Why it is not running (the last error, with an MCP server's last stderr line when it has one). */
  lastError: string | null;
  restarts: number;
  /** ISO time of the last state change. */
  since: string;
}

/**
 * A source of tools. The hub calls `list` when its cache entry is missing, invalidated or older
 * than the TTL; a throw means "unavailable" and is never cached.
 */
export interface ToolSource {
  /** "composio", or the MCP server's table name ("files"). */
  readonly name: string;
  readonly kind: "mcp" | "composio";
  /** Start (MCP: spawn or connect under supervision; returns without waiting for it to be up). */
  start(): void;
  /** Stop for good (MCP: close the client, the child gets SIGTERM then SIGKILL). */
  stop(): Promise<void>;
  health(): SourceHealth;
  /** Every tool the source has now (all pages). Composio: the tools of its active, configured toolkits. Throws when it cannot say. */
  list(signal: AbortSignal): Promise<SourceTool[]>;
  /** Run one tool by its source name; times out after the source's call timeout. Never throws: failures are `isError` results. */
  call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult>;
  /**
   * Called by the source when what it lists changed without a config change: an MCP server
   * (re)connected or went down, sent `notifications/tools/list_changed`, or a connect flow finished.
   * The hub invalidates the source's cache entry at once (semantics §6: events invalidate directly).
   */
  onChange(listener: (why: string) => void): void;
}

/** The Composio source also answers for its connections (the listing that the cache is synced with). */
export interface ComposioSource extends ToolSource {
  readonly kind: "composio";
  /** The configured toolkits (lowercased; empty = every toolkit with an active connection). */
  readonly toolkits: readonly string[];
  /** The live connections of the configured user, every page (a network call). Throws when Composio cannot be asked. */
  connections(signal: AbortSignal): Promise<ToolkitConnection[]>;
  /** The tools of these toolkits (every page of each); `list` is connections() then this for the active, configured ones. */
  toolsOf(toolkits: readonly string[], signal: AbortSignal): Promise<SourceTool[]>;
  /** Start a connect flow for a toolkit: the hosted authorisation URL to open. */
  connect(toolkit: string, signal: AbortSignal): Promise<{ redirectUrl: string; accountId: string | null }>;
  /** Delete the user's connected accounts of a toolkit; how many went. */
  disconnect(toolkit: string, signal: AbortSignal): Promise<number>;
}

/** Why one tool (or a whole source) is not offered to the agent, or offered under another name. */
export type ToolNote =
  | { code: "source_down"; message: string }
  | { code: "unavailable"; message: string }
  | { code: "not_connected"; message: string }
  | { code: "not_allowed"; message: string }
  | { code: "denied"; message: string }
  | { code: "schema_rejected"; message: string }
  | { code: "over_limit"; message: string }
  | { code: "renamed"; message: string };

export type ToolNoteCode = ToolNote["code"];

/** One tool in a report: offered (maybe renamed) or not, and why. */
export interface ToolReport {
  /** Source name ("files", "composio"). */
  source: string;
  /** Composio: its toolkit. */
  toolkit?: string;
  /** Its name at the source. */
  name: string;
  /** The name the model sees; null when it is not offered. */
  offeredAs: string | null;
  description?: string;
  /** For an offered tool: the `parameters` (JSON Schema) the model receives with it. */
  parameters?: Record<string, unknown>;
  /** Notes: every reason it is not offered, or why its name changed. Empty for a tool offered as is. */
  notes: ToolNote[];
}

/**
 * One row of `bosun integrations`: an MCP server, or one Composio toolkit (`composio:gmail`).
 * State words: `ok` (offering its tools), `starting`, `backoff`, `failed`, `stopped` (MCP
 * supervision), `not_connected` (a Composio toolkit without an active account), `unavailable`
 * (its listing failed: not cached, `reason` says why).
 */
export interface SourceReport {
  /** "files", or "composio:gmail". */
  name: string;
  kind: "mcp" | "composio";
  state: "ok" | "starting" | "backoff" | "failed" | "stopped" | "not_connected" | "unavailable";
  /** Tools the source lists (known from the cache), and how many of them the agent is offered. */
  tools: number;
  offered: number;
  /** Age of the cache entry these tools come from; null when nothing is cached. */
  cacheAgeMs: number | null;
  /** Why it offers nothing (or less than it lists), in one line; null when everything is offered. */
  reason: string | null;
  restarts: number;
  lastError: string | null;
}

/** What `bosun integrations [ls]` shows: every source, and the offered total against the limit. */
export interface IntegrationsReport {
  sources: SourceReport[];
  offered: number;
  /** The provider's tool limit ([integrations] max_tools). */
  maxTools: number;
  /** ISO time the report was made. */
  at: string;
}

/** A tool as the agent offers it: the definition the model receives, and where a call goes. */
export interface OfferedTool {
  definition: ToolDefinition;
  source: string;
  /** The name at the source (what the call is made with). */
  name: string;
}

/** One tool call a turn made, as the transcript stores it. */
export interface ToolStep {
  /** The name the model called. */
  name: string;
  /** Where it went ("files"); null when the name matched no offered tool. */
  source: string | null;
  /** The model's argument text, as it sent it (possibly invalid JSON), cut to a bound. */
  arguments: string;
  /** What went back to the model. */
  result: string;
  isError: boolean;
  durationMs: number;
}

/**
 * What the agent sees of integrations: the tools to offer and a way to run a call. Never throws
 * for a tool's failure: invalid arguments, an unknown name, a timeout or a source that went down
 * come back as error results for the model.
 */
export interface ToolBox {
  /** The tools to offer for the next model call (from the cache; a stale entry is listed again). */
  offered(signal: AbortSignal): Promise<OfferedTool[]>;
  /** Run one call the model made, against the list it was offered. */
  run(call: ToolCall, offered: readonly OfferedTool[], signal: AbortSignal): Promise<ToolStep>;
}

/** A connect flow started at Composio. */
export interface ConnectStart {
  toolkit: string;
  /** Open this to authorise; the account becomes ACTIVE when that is done. */
  redirectUrl: string;
  accountId: string | null;
}

/** What the gateway (and a one-shot CLI run) offers of integrations: the API's integrations calls. */
export interface IntegrationsService {
  /** Every source's row. Lists Composio's connections live and drops diverged cache entries (semantics §6); `refresh` drops the whole cache first. */
  report(opts?: { refresh?: boolean; source?: string }): Promise<IntegrationsReport>;
  /** Every tool of every source (or of one: "files", "composio", "composio:gmail"), offered or not, with why. */
  tools(source?: string): Promise<ToolReport[]>;
  connect(toolkit: string): Promise<ConnectStart>;
  disconnect(toolkit: string): Promise<{ removed: number }>;
}
