import { z } from "zod";
import type { StartOutcome } from "../adapters/supervisor.ts";
import type { BosunEvent } from "../events.ts";
import { BosunError, errorMessage, ExitCode, type ExitCodeValue } from "../errors.ts";
import type { CatalogEntry } from "../installs/types.ts";
import { CHAT_CONVERSATION_RE, CHAT_CONVERSATION_RULE, CHAT_MAX_ID, CHAT_MAX_TEXT, type ChatFrame } from "../chat/service.ts";
import type { TranscriptEntry } from "../messages.ts";
import type { RestoreResult } from "../sessions/last-stop.ts";
import type { SessionDetail, SessionInfo, SessionPage, SessionQuery } from "../sessions/store.ts";
import type { AdapterStatus, InstallStatus, Status } from "../status.ts";
import type { ConnectStart, IntegrationsReport, ToolReport } from "../integrations/types.ts";
import { voiceSchema } from "../config/voice-schema.ts";
import type { SpeakFormat, SpokenAudio } from "../voice/gateway-voice.ts";
import type { AudioInput, Transcription } from "../voice/types.ts";

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
  /** Sessions, newest activity first, a page at a time; from the listing cache unless `fresh` (semantics §4: never waits for a platform). */
  sessions(req?: SessionListRequest): Promise<SessionPage>;
  /** Reset, stop or start one session; `session_unknown` when none matches. */
  sessionAction(id: string, action: SessionAction): Promise<SessionInfo>;
  /** One session (by id, unique id prefix or key) with its transcript, what waits and what was not delivered; `session_unknown` when none matches. */
  session(id: string): Promise<SessionDetail>;
  /**
   * Every tool source with its state, tool counts, cache age and why anything is not offered.
   * A listing of connections: Composio's live connections are asked for and every diverged
   * cache entry is dropped (semantics §6). `refresh` drops the whole cache first.
   */
  integrations(req?: IntegrationsQuery): Promise<IntegrationsReport>;
  /** The tools of every source (or of one: "files", "composio", "composio:gmail"), as the model receives them, and the ones it does not with why; `integration_unknown` for a source not configured. */
  integrationTools(req?: IntegrationToolsQuery): Promise<ToolReport[]>;
  /** Start connecting a Composio toolkit: the hosted authorisation URL to open. */
  integrationConnect(req: ToolkitRequest): Promise<ConnectStart>;
  /** Remove the Composio user's connected accounts of a toolkit. */
  integrationDisconnect(req: ToolkitRequest): Promise<{ removed: number }>;
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
  /**
   * `bosun chat`: send one message to conversation `conversation` of the built-in cli channel
   * (session `cli:CONVERSATION`); its frames end with its reply. Invalid input fails before
   * anything is stored. Aborting `signal` stops reading (the turn goes on; its reply waits for
   * the next message on that conversation, and is in its history).
   */
  chat(req: ChatRequestBody, signal?: AbortSignal): AsyncIterable<ChatFrame>;
  /** Cancel the turn running in a cli conversation (its reply says so); false when none runs. */
  cancelChat(req: ConversationRequest): Promise<{ cancelled: boolean }>;
  /** A cli conversation's newest stored messages (default 20), oldest first. */
  chatHistory(req: ChatHistoryQuery): Promise<TranscriptEntry[]>;
  /** Answer what the last `bosun down` left (the sessions held since this start); the ones that cannot be stay recorded, with why. */
  restore(): Promise<RestoreResult>;
  /**
   * Speech to text of one audio file (`bosun transcribe`): the gateway's Transcriber, so it waits
   * for a `[voice] max_concurrent` slot like a voice message. Aborting `signal` stops it.
   */
  transcribe(req: TranscribeRequest, signal?: AbortSignal): Promise<Transcription>;
  /** Text to speech (`bosun speak`): an OGG/Opus voice note, or WAV. */
  speak(req: SpeakRequest, signal?: AbortSignal): Promise<SpokenAudio>;
}

/** One audio file to transcribe, and the model to use instead of `[voice] stt`. */
export interface TranscribeRequest {
  audio: AudioInput;
  model?: string;
}

/**
 * The most text a speak request may carry: a bound on the body. What is spoken at most is the
 * synthesizer's own limit (MAX_SPEAK_CHARS, far lower), refused as voice_too_long as it is
 * in-process. Not imported from it: the API's module stays light for every command.
 */
export const SPEAK_MAX_TEXT = 100_000;
/** A model or voice named by a request: checked as `[voice] stt` / `tts` are. */
export const WhisperTargetSchema = voiceSchema.shape.stt.unwrap();
export const SpeakRequestSchema = z.strictObject({
  text: z.string().trim().min(1, "must not be empty").max(SPEAK_MAX_TEXT, `at most ${SPEAK_MAX_TEXT} characters`),
  voice: voiceSchema.shape.tts,
});
export type SpeakRequestBody = z.infer<typeof SpeakRequestSchema>;
export interface SpeakRequest extends SpeakRequestBody {
  /** Default "ogg". */
  format?: SpeakFormat;
}
export type { SpokenAudio, SpeakFormat };

export type { ChatFrame, RestoreResult };

export type AdapterAction = "restart" | "stop" | "start";

/** What can be done to one session (see TurnRuntime.steer). */
export type SessionAction = "reset" | "stop" | "start";
export const SESSION_ACTIONS: readonly SessionAction[] = ["reset", "stop", "start"];

/** A session listing's filters and page. */
export interface SessionListRequest extends SessionQuery {
  /** Read the store now instead of the listing cache. */
  fresh?: boolean;
}
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

const conversation = z.string().regex(CHAT_CONVERSATION_RE, `must be ${CHAT_CONVERSATION_RULE}`);
export const ChatRequestSchema = z.strictObject({
  conversation,
  text: z.string().min(1).max(CHAT_MAX_TEXT, `at most ${CHAT_MAX_TEXT} characters`),
  id: z.string().min(1).max(CHAT_MAX_ID).optional(),
});
export const ConversationRequestSchema = z.strictObject({ conversation });

export const ToolkitRequestSchema = z.strictObject({ toolkit: z.string().trim().toLowerCase().min(1).max(100) });

export type SendRequest = z.infer<typeof SendRequestSchema>;
export type ToolkitRequest = z.infer<typeof ToolkitRequestSchema>;
export interface IntegrationsQuery {
  /** Drop the cache and list every source again. */
  refresh?: boolean;
  /** Only this source's rows ("files", "composio", "composio:gmail"); only it is listed. */
  source?: string;
}
export interface IntegrationToolsQuery {
  source?: string;
}
export type { ConnectStart };
export type ChatRequestBody = z.infer<typeof ChatRequestSchema>;
export type ConversationRequest = z.infer<typeof ConversationRequestSchema>;
export interface ChatHistoryQuery {
  conversation: string;
  limit?: number;
}
export type InstallRequestBody = z.infer<typeof InstallRequestSchema>;
export type TargetRequest = z.infer<typeof TargetRequestSchema>;

/** What an error code means on each side of the socket: its HTTP status, the CLI's exit code, a default hint. */
interface ApiErrorSpec {
  status: number;
  exitCode: ExitCodeValue;
  hint?: string;
}

/**
 * Every error code the API answers with: the one table. The server writes the status from it, the
 * client rebuilds the BosunError with its exit code, so `bosun` exits the same whether it ran in-process
 * or through a running gateway. Codes raised by the gateway's parts (an unknown adapter, a busy install,
 * a bad custom install) are here too, with the exit code the part throws them with.
 */
export const API_ERRORS = {
  /** The body is not JSON, or not the shape the route takes. */
  bad_request: { status: 400, exitCode: ExitCode.usage },
  invalid_json: { status: 400, exitCode: ExitCode.usage },
  unauthorized: { status: 401, exitCode: ExitCode.failed, hint: "read it from $BOSUN_HOME/run/token" },
  /** No such route. */
  not_found: { status: 404, exitCode: ExitCode.failed, hint: "the routes are listed in the README's control API section" },
  adapter_unknown: { status: 404, exitCode: ExitCode.failed, hint: "list them with `bosun adapters`" },
  /** No session has that id, id prefix or key (or the prefix names more than one). */
  session_unknown: { status: 404, exitCode: ExitCode.failed, hint: "give more of the id, or the session key (adapter:conversation)" },
  /** No configured tool source has that name (an MCP server, composio, composio:TOOLKIT). */
  integration_unknown: { status: 404, exitCode: ExitCode.failed, hint: "list them with `bosun integrations`" },
  /** A tool source could not be asked (Composio refused or did not answer). */
  integration_failed: { status: 502, exitCode: ExitCode.failed },
  /** Not an install target the catalogue knows (a typo on the command line). */
  unknown_target: { status: 404, exitCode: ExitCode.usage, hint: "list them with `bosun catalog`" },
  /** The path exists, with another method (the answer's Allow header lists them). */
  method_not_allowed: { status: 405, exitCode: ExitCode.failed },
  /** The adapter is not running, so it cannot send. */
  adapter_down: { status: 409, exitCode: ExitCode.failed },
  /** An adapter's configured kind is not one this build has. */
  adapter_kind: { status: 409, exitCode: ExitCode.failed },
  /** The adapter cannot send on its own (a webhook only answers requests). */
  not_deliverable: { status: 409, exitCode: ExitCode.failed },
  /** Nobody is there to receive it (no browser on that webchat conversation). */
  not_delivered: { status: 409, exitCode: ExitCode.failed },
  /** The target is being installed, so it cannot be removed now. */
  install_busy: { status: 409, exitCode: ExitCode.failed },
  /** A `[[installs.custom]]` item the gateway's config holds cannot be installed. */
  invalid_custom_install: { status: 409, exitCode: ExitCode.config, hint: "fix the item, then `bosun config check`" },
  /** The gateway's config file is invalid. */
  config_invalid: { status: 409, exitCode: ExitCode.config, hint: "fix the file, then run `bosun config check`" },
  /** The install lock cannot be read. */
  lock_unreadable: { status: 409, exitCode: ExitCode.failed },
  /** A part's own expected failure that this table does not name (the server says so explicitly). */
  failed: { status: 409, exitCode: ExitCode.failed },
  /** Voice (VoiceError codes, as the voice parts throw them: their hint is kept). No sidecar or TTS runtime in this build, or it cannot run here. */
  voice_unavailable: { status: 503, exitCode: ExitCode.failed },
  /** No Whisper model (or Piper voice) installed, or not the one asked for. */
  voice_no_model: { status: 409, exitCode: ExitCode.failed },
  /** The audio cannot be decoded. */
  voice_decode: { status: 400, exitCode: ExitCode.failed },
  /** Longer than [voice] max_seconds, or bigger than [voice] max_bytes. */
  voice_too_long: { status: 413, exitCode: ExitCode.failed },
  /** The sidecar or the voice failed or timed out. */
  voice_failed: { status: 500, exitCode: ExitCode.failed },
  /** The gateway is still starting, or already stopping. */
  not_ready: { status: 503, exitCode: ExitCode.failed, hint: "it is starting or stopping; `bosun status` says which" },
  /** The gateway is gone (what a client says when nothing answers on the socket). */
  not_running: { status: 503, exitCode: ExitCode.notRunning, hint: "start it with `bosun up` (or `bosun up --detach`)" },
  internal: { status: 500, exitCode: ExitCode.failed },
} as const satisfies Record<string, ApiErrorSpec>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** Whether a code (a thrown one, or one read off the wire) is in the table. */
export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERRORS, code);
}

/** An error body as the API writes it. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; hint: string | null };
}

/** The spec of a code: its status, exit code and default hint. */
export function apiErrorSpec(code: ApiErrorCode): ApiErrorSpec {
  return API_ERRORS[code];
}

/** An API error as a BosunError: the table's exit code, and its default hint unless one is given. */
export function apiError(code: ApiErrorCode, message: string, hint?: string | null): BosunError<ApiErrorCode> {
  const spec = apiErrorSpec(code);
  const h = hint ?? spec.hint;
  return new BosunError(code, message, { exitCode: spec.exitCode, ...(h === undefined ? {} : { hint: h }) });
}

/**
 * What the server writes for a thrown error: a code in the table keeps its code; any other
 * BosunError (a part's own code the table does not name) is the generic `failed`, its message and
 * hint kept; anything else is `internal`.
 */
export function toApiErrorBody(err: unknown): { status: number; body: ApiErrorBody } {
  const code: ApiErrorCode = err instanceof BosunError ? (isApiErrorCode(err.code) ? err.code : "failed") : "internal";
  const hint = err instanceof BosunError ? (err.hint ?? null) : null;
  return { status: apiErrorSpec(code).status, body: { error: { code, message: errorMessage(err), hint: hint ?? apiErrorSpec(code).hint ?? null } } };
}
