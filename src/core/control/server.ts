import { chmodSync } from "node:fs";
import type { z } from "zod";
import type { BosunEvent } from "../events.ts";
import { errorMessage } from "../errors.ts";
import { VoiceError } from "../voice/types.ts";
import { serve, type HttpServer } from "../platform/index.ts";
import { systemClock, type Clock } from "../util/clock.ts";
import { readCappedBody } from "../util/capped-body.ts";
import { removeFile } from "../util/fsx.ts";
import { originOf, ORIGIN_HEADER } from "./actions.ts";
import {
  ADAPTER_ACTIONS,
  apiError,
  ChatRequestSchema,
  ToolkitRequestSchema,
  ConversationRequestSchema,
  InstallRequestSchema,
  SendRequestSchema,
  SESSION_ACTIONS,
  SPEAK_MAX_TEXT,
  SpeakRequestSchema,
  WhisperTargetSchema,
  TargetRequestSchema,
  type AdapterAction,
  type SessionAction,
  type SessionListRequest,
  toApiErrorBody,
  type GatewayApi,
} from "./api.ts";
import { bearerMatches } from "./auth.ts";
import { localApi, type LocalGateway } from "./local.ts";

/** What the control API needs from the gateway: the in-process API's needs, plus redaction. */
export interface ControlHandlers extends LocalGateway {
  /** Redacts every answer and event served, like the log lines (secrets from the config, credential shapes). */
  redactor: { deep<T>(value: T): T };
}

const HEARTBEAT_MS = 15_000;

/** An answer: a JSON body with its status, or a response made as is (the event stream). */
type Answer = { status: number; body: unknown } | Response;

interface Call {
  api: GatewayApi;
  /** The gateway behind the API (what a route needs beyond it: the voice limits). */
  h: ControlHandlers;
  clock: Clock;
  req: Request;
  /** The path's captures (the adapter name, the action). */
  params: string[];
  /** The event stream over this call's API. */
  stream(): Response;
  /** Frames as server-sent events, one `data:` line each, redacted; the response ends with them. */
  frames(frames: AsyncIterable<unknown>): Response;
}

interface Route {
  method: "GET" | "POST";
  path: string | RegExp;
  handle(call: Call): Promise<Answer>;
}

const ok = (body: unknown, status = 200): Answer => ({ status, body });

/** `?target=a&target=b`: at most 64, each as long as a target may be; anything else is ignored by the listing. */
/** A yes/no query parameter: present as 1, true or empty. */
function flag(req: Request, name: string): boolean {
  const v = new URL(req.url, "http://bosun").searchParams.get(name);
  return v !== null && (v === "" || v === "1" || v === "true");
}

function toolsQuery(req: Request): { source?: string } {
  const source = new URL(req.url, "http://bosun").searchParams.get("source");
  if (source !== null && (source.length === 0 || source.length > 200)) throw problem("bad_request", "source must be 1 to 200 characters");
  return source === null ? {} : { source };
}

function queryTargets(req: Request): string[] {
  return new URL(req.url, "http://bosun").searchParams.getAll("target").filter((t) => t.length <= 200).slice(0, 64);
}

/** The routes: each one call of the API, its request checked against the API's schema first. */
const ROUTES: Route[] = [
  { method: "GET", path: "/v1/status", handle: async ({ api }) => ok(await api.status()) },
  { method: "GET", path: "/v1/adapters", handle: async ({ api }) => ok(await api.adapters()) },
  { method: "GET", path: "/v1/installs", handle: async ({ api, req }) => ok(await api.installs({ targets: queryTargets(req) })) },
  { method: "GET", path: "/v1/sessions", handle: async ({ api, req }) => ok(await api.sessions(sessionListQuery(req))) },
  {
    method: "POST",
    path: new RegExp(`^/v1/sessions/([^/]{1,400})/(${SESSION_ACTIONS.join("|")})$`),
    handle: async ({ api, params }) => ok(await api.sessionAction(pathPart(params[0]!, "session id"), params[1] as SessionAction)),
  },
  { method: "GET", path: /^\/v1\/sessions\/([^/]{1,400})$/, handle: async ({ api, params }) => ok(await api.session(pathPart(params[0]!, "session id"))) },
  { method: "GET", path: "/v1/integrations", handle: async ({ api, req }) => ok(await api.integrations({ refresh: flag(req, "refresh"), ...toolsQuery(req) })) },
  { method: "GET", path: "/v1/integrations/tools", handle: async ({ api, req }) => ok(await api.integrationTools(toolsQuery(req))) },
  { method: "POST", path: "/v1/integrations/connect", handle: async ({ api, req }) => ok(await api.integrationConnect(await body(req, ToolkitRequestSchema))) },
  { method: "POST", path: "/v1/integrations/disconnect", handle: async ({ api, req }) => ok(await api.integrationDisconnect(await body(req, ToolkitRequestSchema))) },
  { method: "GET", path: "/v1/events", handle: async ({ stream }) => stream() },
  { method: "GET", path: "/v1/catalog", handle: async ({ api }) => ok(await api.catalog()) },
  { method: "POST", path: "/v1/shutdown", handle: async ({ api }) => ok(await api.shutdown(), 202) },
  { method: "POST", path: "/v1/send", handle: async ({ api, req }) => ok(await api.send(await body(req, SendRequestSchema))) },
  { method: "POST", path: "/v1/installs", handle: async ({ api, req }) => ok(await api.install(await body(req, InstallRequestSchema)), 202) },
  { method: "POST", path: "/v1/installs/cancel", handle: async ({ api, req }) => ok(await api.cancelInstall(await body(req, TargetRequestSchema))) },
  { method: "POST", path: "/v1/installs/uninstall", handle: async ({ api, req }) => ok(await api.uninstall(await body(req, TargetRequestSchema))) },
  { method: "POST", path: "/v1/chat", handle: async ({ api, req, frames }) => frames(api.chat(await body(req, ChatRequestSchema), req.signal)) },
  { method: "POST", path: "/v1/chat/cancel", handle: async ({ api, req }) => ok(await api.cancelChat(await body(req, ConversationRequestSchema))) },
  { method: "GET", path: "/v1/chat/history", handle: async ({ api, req }) => ok(await api.chatHistory(historyQuery(req))) },
  { method: "POST", path: "/v1/restore", handle: async ({ api }) => ok(await api.restore()) },
  {
    method: "POST",
    path: "/v1/voice/transcribe",
    handle: async ({ api, req, h, clock }) => {
      const q = new URL(req.url, "http://bosun").searchParams;
      const model = q.get("model");
      if (model !== null && !WhisperTargetSchema.safeParse(model).success) throw problem("bad_request", `model must be "whisper:ID" (got "${model.slice(0, 40)}")`, "`bosun catalog whisper` lists them");
      const name = q.get("name")?.slice(0, 200);
      const audio = await audioBody(req, h, clock);
      const mime = req.headers.get("content-type")?.slice(0, 100);
      // The request's signal: a client that goes away (Ctrl-C) stops its transcription.
      return ok(await api.transcribe({ audio: { bytes: audio, ...(name ? { name } : {}), ...(mime && mime !== "application/octet-stream" ? { mime } : {}) }, ...(model === null ? {} : { model }) }, req.signal));
    },
  },
  {
    method: "POST",
    path: "/v1/voice/speak",
    handle: async ({ api, req, clock }) => {
      const format = new URL(req.url, "http://bosun").searchParams.get("format") ?? "ogg";
      if (format !== "ogg" && format !== "wav") throw problem("bad_request", `format must be ogg or wav (got "${format.slice(0, 20)}")`);
      const spoken = await api.speak({ ...(await body(req, SpeakRequestSchema, { maxBytes: SPEAK_MAX_BODY, clock })), format }, req.signal);
      // Percent-encoded: a voice id may hold any letter, a header value only Latin-1.
      return new Response(spoken.bytes as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": spoken.mime, "x-bosun-voice": encodeURIComponent(spoken.voice), "x-bosun-duration-ms": String(spoken.durationMs), "cache-control": "no-store" },
      });
    },
  },
  {
    method: "POST",
    path: new RegExp(`^/v1/adapters/([^/]+)/(${ADAPTER_ACTIONS.join("|")})$`),
    handle: async ({ api, params }) => ok(await api.adapter(params[1] as AdapterAction, adapterName(params[0]!))),
  },
];

/** A route's path captures, or null when it does not match. */
function match(route: Route, path: string): string[] | null {
  if (typeof route.path === "string") return route.path === path ? [] : null;
  const m = route.path.exec(path);
  return m ? m.slice(1) : null;
}

/** An expected failure of a request, answered with its code's status from the API's table. */
const problem = apiError;

/** How long the audio of a transcribe request (or a speak request's text) may take to arrive (a local socket: seconds at most). */
const AUDIO_DEADLINE_MS = 60_000;

/** A transcribe request's audio, read within `[voice] max_bytes` (refused before reading when it says it is bigger). */
async function audioBody(req: Request, h: ControlHandlers, clock: Clock): Promise<Uint8Array> {
  if (!h.voice) throw problem("not_ready", "this gateway has no voice");
  const max = h.voice.maxBytes();
  const r = await readCappedBody(req, max, AUDIO_DEADLINE_MS, clock);
  if (!r.ok) {
    if (r.reason === "too_large") throw new VoiceError("voice_too_long", `the audio is more than the ${max} bytes allowed ([voice] max_bytes)`);
    throw problem("bad_request", `the audio did not arrive within ${AUDIO_DEADLINE_MS / 1000} s`);
  }
  if (r.bytes.length === 0) throw problem("bad_request", "the request needs the audio as its body", "send the file's bytes, e.g. curl --data-binary @voice.ogg");
  return r.bytes;
}

/**
 * The most a speak request's body may be: its longest text with every character escaped (\uXXXX)
 * and room for the rest. A bigger one is refused as it streams in, never read whole.
 */
const SPEAK_MAX_BODY = SPEAK_MAX_TEXT * 6 + 4096;

/** A JSON body read within `capped.maxBytes` (413 past it, 400 when it does not arrive in time). */
async function cappedText(req: Request, capped: { maxBytes: number; clock: Clock }): Promise<string> {
  const r = await readCappedBody(req, capped.maxBytes, AUDIO_DEADLINE_MS, capped.clock);
  if (r.ok) return new TextDecoder().decode(r.bytes);
  if (r.reason === "too_large") throw new VoiceError("voice_too_long", `the request body is more than the ${capped.maxBytes} bytes allowed (a text of at most ${SPEAK_MAX_TEXT} characters)`);
  throw problem("bad_request", `the request body did not arrive within ${AUDIO_DEADLINE_MS / 1000} s`);
}

/** The request body, parsed and checked against the route's schema; a 400 naming the problem otherwise. `capped`: read within a size cap. */
async function body<S extends z.ZodType>(req: Request, schema: S, capped?: { maxBytes: number; clock: Clock }): Promise<z.infer<S>> {
  const text = capped ? await cappedText(req, capped) : await req.text();
  if (text.trim() === "") throw problem("bad_request", "the request needs a JSON body", `send Content-Type: application/json with a body like ${shapeOf(schema)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw problem("invalid_json", `the body is not valid JSON: ${errorMessage(err)}`, `send one JSON object like ${shapeOf(schema)} (check quoting and commas)`);
  }
  const r = schema.safeParse(parsed);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.join(".") : "body";
  throw problem("bad_request", `${where}: ${issue.message}`, `expected ${shapeOf(schema)}`);
}

const SESSION_STATES = new Set(["active", "idle", "errored", "stopped"]);

/** `?adapter=&state=&limit=&cursor=&fresh=1` of a session listing, checked. */
function sessionListQuery(req: Request): SessionListRequest {
  const q = new URL(req.url, "http://bosun").searchParams;
  const out: SessionListRequest = {};
  const adapter = q.get("adapter");
  if (adapter !== null) out.adapter = adapter.slice(0, 200);
  const state = q.get("state");
  if (state !== null) {
    if (!SESSION_STATES.has(state)) throw problem("bad_request", `state must be one of ${[...SESSION_STATES].join(", ")} (got "${state.slice(0, 20)}")`);
    out.state = state as SessionListRequest["state"];
  }
  const limit = q.get("limit");
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw problem("bad_request", `limit must be a whole number from 1 to 1000 (got "${limit.slice(0, 20)}")`);
    out.limit = n;
  }
  const cursor = q.get("cursor");
  if (cursor !== null) {
    // A cursor the listing did not hand out would silently restart from the top (a pager could loop).
    if (!/^\d{1,16}\.[0-9a-f]{16}$/.test(cursor)) throw problem("bad_request", "cursor is not one a listing returned", "pass the nextCursor of the page before, unchanged");
    out.cursor = cursor;
  }
  if (q.get("fresh") === "1" || q.get("fresh") === "true") out.fresh = true;
  return out;
}

/** `?conversation=ID&limit=N` of a chat history read (the conversation is checked by the chat). */
function historyQuery(req: Request): { conversation: string; limit?: number } {
  const q = new URL(req.url, "http://bosun").searchParams;
  const raw = q.get("limit");
  const limit = Number(raw ?? "");
  if (raw !== null && !(Number.isInteger(limit) && limit >= 1)) throw problem("bad_request", `limit must be a whole number of messages, at least 1 (got "${raw.slice(0, 20)}")`, "e.g. ?conversation=default&limit=20");
  return { conversation: q.get("conversation") ?? "", ...(raw === null ? {} : { limit }) };
}

/** A one-line picture of what a route takes, for the hint. */
function shapeOf(schema: z.ZodType): string {
  if (schema === ChatRequestSchema) return '{"conversation", "text", "id"?} (strings)';
  if (schema === ConversationRequestSchema) return '{"conversation": "ID"}';
  if (schema === SendRequestSchema) return '{"adapter", "target", "text"} (strings)';
  if (schema === SpeakRequestSchema) return '{"text": "...", "voice"?: "piper:ID"}';
  if (schema === InstallRequestSchema) return '{"targets": ["engine:id", ...], "force"?: true|false}';
  return '{"target": "engine:id"}';
}

function adapterName(raw: string): string {
  return pathPart(raw, "adapter name");
}

/** A percent-encoded path segment, decoded; a 400 naming `what` when it is not valid encoding. */
function pathPart(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw problem("bad_request", `the ${what} in the path is not valid percent-encoding`, "percent-encode it, e.g. with encodeURIComponent");
  }
}

/** Serve the control API on a unix socket (mode 0600) guarded by the bearer token. */
export async function startControlServer(socketPath: string, token: string, h: ControlHandlers, clock: Clock = systemClock): Promise<HttpServer> {
  removeFile(socketPath);
  // The one place answers are written: each goes out redacted.
  const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(h.redactor.deep(body)), { status, headers: { "content-type": "application/json", ...headers } });
  const failure = (err: unknown, headers?: Record<string, string>) => {
    const { status, body } = toApiErrorBody(err);
    return json(body, status, headers);
  };
  const streams = new Set<() => void>();
  const server = await serve({
    unix: socketPath,
    async fetch(req) {
      if (!bearerMatches(req.headers.get("authorization"), token)) {
        return failure(problem("unauthorized", "missing or wrong bearer token"));
      }
      const path = new URL(req.url, "http://bosun").pathname;
      const api = localApi(h, originOf(req.headers.get(ORIGIN_HEADER)));
      const found = ROUTES.map((r) => ({ r, params: match(r, path) })).filter((x) => x.params !== null);
      const hit = found.find((x) => x.r.method === req.method);
      if (!hit) {
        if (found.length === 0) return failure(problem("not_found", `no route ${req.method} ${path}`));
        const allow = [...new Set(found.map((x) => x.r.method))].join(", ");
        return failure(problem("method_not_allowed", `${path} takes ${allow}, not ${req.method}`, `send it as ${allow} ${path}`), { allow });
      }
      try {
        const answer = await hit.r.handle({ api, h, clock, req, params: hit.params!, stream: () => eventStream(h, api, streams, clock), frames: (f) => frameStream(h, f, streams) });
        return answer instanceof Response ? answer : json(answer.body, answer.status);
      } catch (err) {
        return failure(err);
      }
    },
  });
  chmodSync(socketPath, 0o600);
  return {
    port: 0,
    async stop() {
      for (const close of streams) close();
      await server.stop();
      removeFile(socketPath);
    },
  };
}

/** Server-sent events: the API's event stream (a snapshot, the recent log, every event), with heartbeats. */
function eventStream(h: ControlHandlers, api: GatewayApi, streams: Set<() => void>, clock: Clock): Response {
  const enc = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = new AbortController();
      const send = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          cleanup();
        }
      };
      let cancelBeat = () => {};
      const beat = () => {
        cancelBeat = clock.after(HEARTBEAT_MS, () => {
          send(": ping\n\n");
          if (!stop.signal.aborted) beat();
        });
      };
      beat();
      cleanup = () => {
        stop.abort();
        cancelBeat();
        streams.delete(cleanup);
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      streams.add(cleanup);
      void api.events((e: BosunEvent) => send(`data: ${JSON.stringify(h.redactor.deep(e))}\n\n`), stop.signal);
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}

/**
 * Frames as server-sent events (the event stream's framing: one `data:` JSON line per frame),
 * read as the client reads them; a client that goes away stops the reading, and the server's
 * stop ends the stream.
 */
function frameStream(h: ControlHandlers, frames: AsyncIterable<unknown>, streams: Set<() => void>): Response {
  const enc = new TextEncoder();
  const it = frames[Symbol.asyncIterator]();
  let close = () => {};
  const stop = () => {
    streams.delete(close);
    void it.return?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      close = () => {
        stop();
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      streams.add(close);
    },
    async pull(controller) {
      let r: IteratorResult<unknown>;
      try {
        r = await it.next();
      } catch (err) {
        r = { done: false, value: { type: "error", code: "internal", message: errorMessage(err) } };
        stop();
      }
      try {
        if (r.done) {
          stop();
          controller.close();
        } else controller.enqueue(enc.encode(`data: ${JSON.stringify(h.redactor.deep(r.value))}\n\n`));
      } catch {
        // closed by the server's stop while this frame was awaited
      }
    },
    cancel: stop,
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}
