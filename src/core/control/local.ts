import type { CliChat } from "../chat/service.ts";
import type { BosunEvent, EventBus } from "../events.ts";
import type { CatalogEntry } from "../installs/types.ts";
import type { SessionDetail, SessionInfo, SessionPage } from "../sessions/store.ts";
import type { InstallStatus, Status } from "../status.ts";
import type { IntegrationsService } from "../integrations/types.ts";
import type { RestoreResult } from "../sessions/last-stop.ts";
import type { GatewayVoice } from "../voice/gateway-voice.ts";
import { operatorActions, type ActionOrigin, type ActionTarget } from "./actions.ts";
import { apiError, type GatewayApi, type SessionAction, type SessionListRequest } from "./api.ts";

/** What the in-process API needs of a gateway (the Gateway satisfies it). */
export interface LocalGateway extends ActionTarget {
  bus: EventBus;
  snapshot(): Status;
  catalog(): CatalogEntry[];
  /** Every install worth a row (stored, on disk, wanted), as `bosun installs` lists them without a gateway. */
  installList(targets?: string[]): Promise<InstallStatus[]>;
  /** One session by id, unique id prefix or key; null when none matches. */
  session(id: string): Promise<SessionDetail | null>;
  listSessions(req?: SessionListRequest): Promise<SessionPage>;
  steerSession(id: string, action: SessionAction): Promise<SessionInfo | null>;
  /** Answer what the last `bosun down` left (Gateway.restore). */
  restore(): Promise<RestoreResult>;
  /** Tool sources (MCP servers, Composio); throws while the gateway is not ready. */
  readonly integrations: IntegrationsService;
  /** Settles once the gateway has stopped: an event stream ends with it. */
  stopped?: Promise<void>;
  /** The cli channel's chat (`bosun chat`); throws while the gateway is not ready. */
  readonly chat?: Pick<CliChat, "say" | "cancel" | "history">;
  /** Speech to text and text to speech with the gateway's own parts; throws while the gateway is not ready. */
  readonly voice?: GatewayVoice;
}

/**
 * The gateway's API in-process: what the control server serves for each request and what the
 * in-process dashboard calls. Actions go through the operator actions, so each is logged once
 * with where it came from, whichever way it arrived.
 */
export function localApi(g: LocalGateway, origin: ActionOrigin): GatewayApi {
  const ops = operatorActions(g, origin);
  return {
    status: async () => g.snapshot(),
    adapters: async () => g.snapshot().adapters,
    installs: (req) => g.installList(req?.targets),
    sessions: (req) => g.listSessions(req),
    async sessionAction(id, action) {
      const s = await g.steerSession(id, action);
      if (!s) return sessionUnknown(id);
      g.log.info(`session ${s.key} ${action === "reset" ? "reset" : action === "stop" ? "stopped" : "started"} (${origin})`);
      return s;
    },
    session: async (id) => (await g.session(id)) ?? sessionUnknown(id),
    integrations: (req) => g.integrations.report(req),
    integrationTools: (req) => g.integrations.tools(req?.source),
    async integrationConnect(r) {
      const started = await g.integrations.connect(r.toolkit);
      g.log.info(`integrations: connect flow for ${r.toolkit} started (${origin})`);
      return started;
    },
    async integrationDisconnect(r) {
      const done = await g.integrations.disconnect(r.toolkit);
      g.log.info(`integrations: ${r.toolkit} disconnected, ${done.removed} account(s) removed (${origin})`);
      return done;
    },
    catalog: async () => g.catalog(),
    async send(r) {
      await ops.send(r.adapter, r.target, r.text);
      return { ok: true };
    },
    async shutdown() {
      ops.shutdown();
      return { ok: true };
    },
    async adapter(action, name) {
      const outcome = await ops.adapter(action, name);
      return { outcome, adapter: g.snapshot().adapters.find((a) => a.name === name) ?? null };
    },
    async install(r) {
      const results = await ops.install(r.targets, r.force === true);
      return { installs: results.map((x) => ({ started: x.started, status: x.status, holderPid: x.started ? null : x.holderPid })) };
    },
    cancelInstall: async (r) => ({ cancelled: ops.cancelInstall(r.target) }),
    uninstall: (r) => ops.uninstall(r.target),
    events: (onEvent, signal) => followBus(g, onEvent, signal),
    chat(req, signal) {
      // A chat's frames end with the gateway, as its event stream does.
      const ended = new AbortController();
      void g.stopped?.then(() => ended.abort());
      return chatOf(g).say(req, signal ? AbortSignal.any([signal, ended.signal]) : ended.signal);
    },
    cancelChat: async (r) => ({ cancelled: chatOf(g).cancel(r.conversation) }),
    chatHistory: (r) => chatOf(g).history(r.conversation, r.limit),
    restore: () => g.restore(),
    async transcribe(r, signal) {
      const t = await voiceOf(g).transcribe(r.audio, signal ?? new AbortController().signal, r.model === undefined ? {} : { model: r.model });
      g.log.info(`voice: transcribed ${Math.round(t.audioMs / 100) / 10} s of audio with ${t.model} (${origin})`);
      return t;
    },
    async speak(r, signal) {
      const spoken = await voiceOf(g).speak(r.text, signal ?? new AbortController().signal, { format: r.format ?? "ogg", ...(r.voice === undefined ? {} : { voice: r.voice }) });
      g.log.info(`voice: spoke ${r.text.length} characters with ${spoken.voice} (${origin})`);
      return spoken;
    },
  };
}

function voiceOf(g: LocalGateway): GatewayVoice {
  if (!g.voice) throw apiError("not_ready", "this gateway has no voice");
  return g.voice;
}

function chatOf(g: LocalGateway): NonNullable<LocalGateway["chat"]> {
  if (!g.chat) throw apiError("not_ready", "this gateway has no chat channel");
  return g.chat;
}

/** The answer for an id that names no session (the one wording, in-process, remote and offline). */
export function sessionUnknown(id: string): never {
  // JSON quoting: an id with control characters or a newline stays one harmless line.
  throw apiError("session_unknown", `no session matches ${JSON.stringify(id.slice(0, 80))}`, "give at least 4 characters of the id, or the session key (adapter:conversation); `bosun sessions` lists them");
}

/**
 * A snapshot, the recent log records, then every bus event. All of this and the subscription run
 * in one tick of a synchronous bus: nothing falls between.
 */
function followBus(g: LocalGateway, onEvent: (e: BosunEvent) => void, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    onEvent({ type: "snapshot", at: new Date(g.bus.now()).toISOString(), status: g.snapshot() });
    for (const l of g.bus.recentLogs()) onEvent(l);
    const off = g.bus.on(onEvent);
    const end = () => {
      off();
      resolve();
    };
    signal.addEventListener("abort", end, { once: true });
    void g.stopped?.then(end);
  });
}
