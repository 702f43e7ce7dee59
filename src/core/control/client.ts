import { request as httpRequest, type IncomingMessage } from "node:http";
import type { ChatFrame } from "../chat/service.ts";
import type { TranscriptEntry } from "../messages.ts";
import { sseEvents } from "../util/sse.ts";
import type { BosunEvent } from "../events.ts";
import { BosunError, ExitCode } from "../errors.ts";
import type { Paths } from "../paths.ts";
import type { CatalogEntry } from "../installs/types.ts";
import type { RestoreResult } from "../sessions/last-stop.ts";
import type { SessionDetail, SessionInfo, SessionPage } from "../sessions/store.ts";
import type { AdapterStatus, InstallStatus, Status } from "../status.ts";
import type { IntegrationsReport, ToolReport } from "../integrations/types.ts";
import { systemClock, type Clock } from "../util/clock.ts";
import { readJson } from "../util/fsx.ts";
import { processAlive } from "../util/process.ts";
import { ORIGIN_HEADER, type ActionOrigin } from "./actions.ts";
import { apiError as fromApi, isApiErrorCode, type AdapterAction, type AdapterControlResult, type ChatHistoryQuery, type ChatRequestBody, type ConnectStart, type ConversationRequest, type IntegrationToolsQuery, type IntegrationsQuery, type ToolkitRequest, type GatewayApi, type InstallRequestBody, type InstallResult, type InstallsQuery, type SendRequest, type SessionAction, type SessionListRequest, type TargetRequest, type UninstallResult, type TranscribeRequest, type SpeakRequest, type SpokenAudio } from "./api.ts";
import type { Transcription } from "../voice/types.ts";
import { readToken } from "./auth.ts";

/** The running record: `$BOSUN_HOME/run/gateway.json`. */
export interface RunningRecord {
  pid: number;
  version: string;
  socket: string;
  configPath: string | null;
  startedAt: string;
  /** The gateway's process start (ticks since boot), to tell it from a later process reusing the pid. */
  procStart?: number;
}

/**
 * The one answer to "is a gateway running on this home?": its running record, if its process is
 * alive (a record left by a crash is ignored). Every command that asks calls this.
 */
export function readRunningRecord(paths: Paths): RunningRecord | undefined {
  const rec = readJson<RunningRecord>(paths.record);
  if (!rec || typeof rec.pid !== "number" || !processAlive(rec.pid, rec.procStart)) return undefined;
  return rec;
}

/** The one `not_running` error (exit 4, the API table's); `down` words its hint its own way. */
export function notRunningError(hint?: string): BosunError {
  return fromApi("not_running", "the gateway is not running", hint);
}

/** Who a client is, sent with every request so the gateway's log says where an action came from. */
export type ClientOrigin = Exclude<ActionOrigin, "control API">;

/** How long an adapter action may take (a restart waits for the adapter's first start). */
const ADAPTER_ACTION_MS = 30_000;
/** Integrations answers may wait on Composio (its request timeout, 15 s by default, and a retry). */
const INTEGRATIONS_MS = 45_000;

/** The gateway's API over the unix socket; used by the CLI and the attached dashboard. */
export class ControlClient implements GatewayApi {
  constructor(
    readonly socket: string,
    private readonly token: string,
    private readonly origin: ClientOrigin = "cli",
    /** Times the event stream's silence (the real clock unless a test drives it). */
    private readonly clock: Clock = systemClock,
  ) {}

  /** A client for the gateway running on this home, or a `not_running` error (exit 4). */
  static connect(paths: Paths, origin: ClientOrigin = "cli"): ControlClient {
    const rec = readRunningRecord(paths);
    const token = readToken(paths.token);
    if (!rec || !token) throw notRunningError();
    return new ControlClient(rec.socket, token, origin);
  }

  /** One JSON request; API errors become BosunErrors with the server's code, message and hint. */
  async #call<T>(method: string, path: string, body?: unknown, timeoutMs = 10_000, signal?: AbortSignal): Promise<T> {
    const res = await this.#raw(method, path, body, timeoutMs, signal);
    const text = await readAll(res);
    const parsed = parseBody(text);
    const status = res.statusCode ?? 500;
    if (status >= 400) {
      const e = errorBody(parsed);
      if (e) throw rebuilt(e);
      throw apiError(`${method} ${path} answered ${status}`, text);
    }
    if (parsed === undefined) throw apiError(`${method} ${path} answered with a body that is not JSON`, text);
    return parsed as T;
  }

  status = () => this.#call<Status>("GET", "/v1/status");
  adapters = () => this.#call<AdapterStatus[]>("GET", "/v1/adapters");
  installs = (req?: InstallsQuery) =>
    this.#call<InstallStatus[]>("GET", `/v1/installs${req?.targets?.length ? `?${req.targets.map((t) => `target=${encodeURIComponent(t)}`).join("&")}` : ""}`);
  sessions = (req: SessionListRequest = {}) => this.#call<SessionPage>("GET", `/v1/sessions${sessionQueryString(req)}`);
  sessionAction = (id: string, action: SessionAction) => this.#call<SessionInfo>("POST", `/v1/sessions/${encodeURIComponent(id)}/${action}`);
  session = (id: string) => this.#call<SessionDetail>("GET", `/v1/sessions/${encodeURIComponent(id)}`);
  integrations = (req: IntegrationsQuery = {}) => {
    const q = [...(req.refresh ? ["refresh=1"] : []), ...(req.source === undefined ? [] : [`source=${encodeURIComponent(req.source)}`])];
    return this.#call<IntegrationsReport>("GET", `/v1/integrations${q.length ? `?${q.join("&")}` : ""}`, undefined, INTEGRATIONS_MS);
  };
  integrationTools = (req: IntegrationToolsQuery = {}) =>
    this.#call<ToolReport[]>("GET", `/v1/integrations/tools${req.source === undefined ? "" : `?source=${encodeURIComponent(req.source)}`}`, undefined, INTEGRATIONS_MS);
  integrationConnect = (req: ToolkitRequest) => this.#call<ConnectStart>("POST", "/v1/integrations/connect", req, INTEGRATIONS_MS);
  integrationDisconnect = (req: ToolkitRequest) => this.#call<{ removed: number }>("POST", "/v1/integrations/disconnect", req, INTEGRATIONS_MS);
  catalog = () => this.#call<CatalogEntry[]>("GET", "/v1/catalog");
  send = (req: SendRequest) => this.#call<{ ok: true }>("POST", "/v1/send", req);
  shutdown = () => this.#call<{ ok: true }>("POST", "/v1/shutdown");
  adapter = (action: AdapterAction, name: string) =>
    this.#call<AdapterControlResult>("POST", `/v1/adapters/${encodeURIComponent(name)}/${action}`, undefined, ADAPTER_ACTION_MS);
  install = (req: InstallRequestBody) => this.#call<InstallResult>("POST", "/v1/installs", req);
  cancelInstall = (req: TargetRequest) => this.#call<{ cancelled: boolean }>("POST", "/v1/installs/cancel", req);
  uninstall = (req: TargetRequest) => this.#call<UninstallResult>("POST", "/v1/installs/uninstall", req);
  cancelChat = (req: ConversationRequest) => this.#call<{ cancelled: boolean }>("POST", "/v1/chat/cancel", req);
  restore = () => this.#call<RestoreResult>("POST", "/v1/restore");
  chatHistory = (req: ChatHistoryQuery) =>
    this.#call<TranscriptEntry[]>("GET", `/v1/chat/history?conversation=${encodeURIComponent(req.conversation)}${req.limit === undefined ? "" : `&limit=${req.limit}`}`);

  /**
   * POST /v1/voice/transcribe: the audio as the body. No timeout: it waits for a transcription slot
   * and then up to `[voice] timeout_ms`, which the gateway enforces; aborting `signal` stops it there too.
   */
  transcribe = (req: TranscribeRequest, signal?: AbortSignal) => {
    const q = new URLSearchParams();
    if (req.model !== undefined) q.set("model", req.model);
    if (req.audio.name !== undefined) q.set("name", req.audio.name);
    const qs = q.toString();
    return this.#call<Transcription>("POST", `/v1/voice/transcribe${qs ? `?${qs}` : ""}`, { bytes: req.audio.bytes, type: req.audio.mime ?? "application/octet-stream" }, 0, signal);
  };

  /** POST /v1/voice/speak: the audio's bytes (OGG/Opus, or WAV with `format: "wav"`). */
  async speak(req: SpeakRequest, signal?: AbortSignal): Promise<SpokenAudio> {
    const { format, ...body } = req;
    const res = await this.#raw("POST", `/v1/voice/speak${format === "wav" ? "?format=wav" : ""}`, body, 0, signal);
    const bytes = await readBytes(res);
    const status = res.statusCode ?? 500;
    if (status >= 400) {
      const text = new TextDecoder().decode(bytes);
      const e = errorBody(parseBody(text));
      if (e) throw rebuilt(e);
      throw apiError(`POST /v1/voice/speak answered ${status}`, text);
    }
    const mime = res.headers["content-type"];
    if (mime !== "audio/ogg" && mime !== "audio/wav") throw apiError(`POST /v1/voice/speak answered ${String(mime)}, not audio`, new TextDecoder().decode(bytes.subarray(0, 200)));
    return { bytes, mime, durationMs: Number(res.headers["x-bosun-duration-ms"] ?? 0) || 0, voice: decodeHeader(String(res.headers["x-bosun-voice"] ?? "")) };
  }

  /**
   * POST /v1/chat: the message's frames as they arrive. A refused request throws its API error;
   * the frames end early (no reply among them) when the connection ends first (the gateway
   * stopped or died) or `signal` aborts.
   */
  async *chat(req: ChatRequestBody, signal?: AbortSignal): AsyncGenerator<ChatFrame> {
    const res = await this.#raw("POST", "/v1/chat", req, 0, signal);
    if ((res.statusCode ?? 500) >= 400) {
      const text = await readAll(res);
      const e = errorBody(parseBody(text));
      if (e) throw rebuilt(e);
      throw apiError(`the chat request was refused (${res.statusCode})`, text);
    }
    try {
      for await (const ev of sseEvents(res)) {
        let frame: ChatFrame;
        try {
          frame = JSON.parse(ev.data) as ChatFrame;
        } catch {
          continue; // A torn line must not end the chat.
        }
        if (frame && typeof frame === "object" && typeof frame.type === "string") yield frame;
      }
    } catch {
      // The connection ended mid-answer: the caller sees frames without a reply.
    } finally {
      res.destroy();
    }
  }

  /**
   * Follow GET /v1/events. Calls `onEvent` for each event (a snapshot first); resolves when the
   * stream ends (gateway stopped) or `signal` aborts.
   */
  async events(onEvent: (e: BosunEvent) => void, signal: AbortSignal, silenceMs = EVENTS_SILENCE_MS): Promise<void> {
    const res = await this.#raw("GET", "/v1/events", undefined, 0, signal);
    if ((res.statusCode ?? 500) >= 400) {
      const text = await readAll(res);
      const e = errorBody(parseBody(text));
      if (e) throw rebuilt(e);
      throw apiError(`the event stream was refused (${res.statusCode})`, text);
    }
    res.setEncoding("utf8");
    let buf = "";
    await new Promise<void>((resolve) => {
      // The server writes at least a heartbeat every 15 s: a stream silent for longer belongs to a
      // gateway that hangs (stopped, wedged), and counts as ended so the caller can reconnect.
      let cancelSilence = () => {};
      const watch = () => {
        cancelSilence();
        cancelSilence = this.clock.after(silenceMs, () => {
          res.destroy();
          done();
        });
      };
      const done = () => {
        cancelSilence();
        resolve();
      };
      watch();
      signal.addEventListener("abort", () => {
        res.destroy();
        done();
      }, { once: true });
      res.on("data", (chunk: string) => {
        watch();
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n\n")) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block
            .split("\n")
            .filter((l) => l.startsWith("data: "))
            .map((l) => l.slice(6))
            .join("\n");
          if (!data) continue;
          let event: BosunEvent;
          try {
            event = JSON.parse(data) as BosunEvent;
          } catch {
            continue; // A torn or foreign line must not take the dashboard down.
          }
          onEvent(event);
        }
      });
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
  }

  /** A request with a JSON body, or raw bytes (`{bytes, type}`: audio). */
  #raw(method: string, path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const binary = isBytes(body) ? body : null;
      const payload = body === undefined ? undefined : binary ? binary.bytes : JSON.stringify(body);
      const req = httpRequest({
        socketPath: this.socket,
        path,
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          [ORIGIN_HEADER]: this.origin,
          ...(payload !== undefined ? { "content-type": binary ? binary.type : "application/json", "content-length": typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength } : {}),
        },
        ...(signal ? { signal } : {}),
      });
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new BosunError("api_timeout", `the gateway did not answer within ${timeoutMs} ms`)));
      req.on("response", resolve);
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "ECONNREFUSED" || err.code === "ENOENT") reject(notRunningError());
        // The gateway went away with the request in hand (stopped, or killed): say so, not "a bug".
        else if (err.code === "ECONNRESET" && !signal?.aborted) reject(fromApi("not_running", "the gateway stopped before it answered", "see `bosun status`, start it again with `bosun up`, then run the command again"));
        else reject(err);
      });
      req.end(payload);
    });
  }
}

/** How long an event stream may stay silent (the server's heartbeat is 15 s) before it counts as dead. */
export const EVENTS_SILENCE_MS = 40_000;

/** A body as JSON; undefined when it is not JSON (null for an empty one). */
function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API's error body (`{"error": {code, message, hint}}`), if that is what the answer is. */
function errorBody(parsed: unknown): { code: string; message: string; hint: string | null } | null {
  const e = (parsed as { error?: unknown } | null | undefined)?.error as Record<string, unknown> | undefined;
  if (!e || typeof e.code !== "string" || typeof e.message !== "string") return null;
  return { code: e.code, message: e.message, hint: typeof e.hint === "string" ? e.hint : null };
}

/**
 * The server's error as the BosunError it was: a code in the API's table gets the table's exit
 * code (so `bosun` exits as it would in-process); a code this build does not know (a newer
 * gateway's) keeps its words and exits 1.
 */
function rebuilt(e: { code: string; message: string; hint: string | null }): BosunError {
  if (isApiErrorCode(e.code)) return fromApi(e.code, e.message, e.hint);
  return new BosunError(e.code, e.message, { exitCode: ExitCode.failed, ...(e.hint ? { hint: e.hint } : {}) });
}

/** An answer that is not the API's: say what came back (its start), and what usually causes it. */
function apiError(what: string, text: string): BosunError {
  const shown = text.trim().slice(0, 200);
  return new BosunError("api_error", `${what}${shown ? `: ${shown}` : ""}`, {
    hint: "the socket may belong to another program or a different bosun version; `bosun down` then `bosun up` restarts the gateway",
  });
}

function isBytes(body: unknown): body is { bytes: Uint8Array; type: string } {
  return typeof body === "object" && body !== null && (body as { bytes?: unknown }).bytes instanceof Uint8Array && typeof (body as { type?: unknown }).type === "string";
}

function readBytes(res: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    res.on("error", reject);
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => (s += c));
    res.on("end", () => resolve(s));
    res.on("error", reject);
  });
}

/** A listing request as a query string (`?adapter=…&state=…&limit=…&cursor=…&fresh=1`). */
function sessionQueryString(req: SessionListRequest): string {
  const q = new URLSearchParams();
  if (req.adapter !== undefined) q.set("adapter", req.adapter);
  if (req.state !== undefined) q.set("state", req.state);
  if (req.limit !== undefined) q.set("limit", String(req.limit));
  if (req.cursor !== undefined) q.set("cursor", req.cursor);
  if (req.fresh) q.set("fresh", "1");
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** A header value the gateway percent-encoded (it may hold any letter); a malformed one is shown as sent. */
function decodeHeader(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
