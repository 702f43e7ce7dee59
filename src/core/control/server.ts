import { chmodSync } from "node:fs";
import type { BosunEvent, EventBus } from "../events.ts";
import { BosunError, errorMessage } from "../errors.ts";
import { serve, type HttpServer } from "../platform/index.ts";
import type { Status } from "../status.ts";
import { removeFile } from "../util/fsx.ts";
import { operatorActions, originOf, ORIGIN_HEADER, type ActionTarget } from "./actions.ts";
import { bearerMatches } from "./auth.ts";

/** What the control API needs from the gateway: reads, plus the operator actions (logged with their origin). */
export interface ControlHandlers extends ActionTarget {
  bus: EventBus;
  snapshot(): Status;
  catalog(): unknown[];
  /** Redacts every answer and event served, like the log lines (secrets from the config, credential shapes). */
  redactor: { deep<T>(value: T): T };
}

const ADAPTER_ACTION = /^POST \/v1\/adapters\/([^/]+)\/(restart|stop|start)$/;

const HEARTBEAT_MS = 15_000;

const jsonResponse = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Serve the control API on a unix socket (mode 0600) guarded by the bearer token. */
export async function startControlServer(socketPath: string, token: string, h: ControlHandlers): Promise<HttpServer> {
  removeFile(socketPath);
  // The one place answers are written: each goes out redacted.
  const json = (body: unknown, status = 200) => jsonResponse(h.redactor.deep(body), status);
  const problem = (status: number, code: string, message: string, hint?: string) => json({ error: { code, message, hint: hint ?? null } }, status);
  const streams = new Set<() => void>();
  const server = await serve({
    unix: socketPath,
    async fetch(req) {
      if (!bearerMatches(req.headers.get("authorization"), token)) {
        return problem(401, "unauthorized", "missing or wrong bearer token", "read it from $BOSUN_HOME/run/token");
      }
      const url = new URL(req.url, "http://bosun");
      const route = `${req.method} ${url.pathname}`;
      const ops = operatorActions(h, originOf(req.headers.get(ORIGIN_HEADER)));
      try {
        switch (route) {
          case "GET /v1/status":
            return json(h.snapshot());
          case "GET /v1/adapters":
            return json(h.snapshot().adapters);
          case "GET /v1/installs":
            return json(h.snapshot().installs);
          case "GET /v1/sessions":
            return json(h.snapshot().sessions);
          case "GET /v1/integrations":
            return json(h.snapshot().integrations);
          case "GET /v1/events":
            return eventStream(h, streams);
          case "POST /v1/shutdown":
            ops.shutdown();
            return json({ ok: true }, 202);
          case "GET /v1/catalog":
            return json(h.catalog());
          case "POST /v1/installs": {
            const body = (await req.json().catch(() => null)) as { targets?: unknown; force?: unknown } | null;
            if (!body || !Array.isArray(body.targets) || body.targets.length === 0 || !body.targets.every((t) => typeof t === "string")) {
              return problem(400, "bad_request", 'expected {"targets": ["engine:id", ...], "force"?: boolean}');
            }
            const results = await ops.install(body.targets as string[], body.force === true);
            return json({ installs: results.map((r) => ({ started: r.started, status: r.status, holderPid: r.holderPid ?? null })) }, 202);
          }
          case "POST /v1/installs/cancel":
          case "POST /v1/installs/uninstall": {
            const body = (await req.json().catch(() => null)) as { target?: unknown } | null;
            if (!body || typeof body.target !== "string") return problem(400, "bad_request", 'expected {"target": "engine:id"}');
            if (route.endsWith("cancel")) return json({ cancelled: ops.cancelInstall(body.target) });
            return json({ status: await ops.uninstall(body.target) });
          }
          case "POST /v1/send": {
            const body = (await req.json().catch(() => null)) as { adapter?: unknown; target?: unknown; text?: unknown } | null;
            if (!body || typeof body.adapter !== "string" || typeof body.target !== "string" || typeof body.text !== "string") {
              return problem(400, "bad_request", 'expected {"adapter","target","text"} strings');
            }
            await ops.send(body.adapter, body.target, body.text);
            return json({ ok: true });
          }
        }
        const action = ADAPTER_ACTION.exec(route);
        if (action) {
          let name: string;
          try {
            name = decodeURIComponent(action[1]!);
          } catch {
            return problem(400, "bad_request", "the adapter name in the path is not valid percent-encoding");
          }
          const outcome = await ops.adapter(action[2] as "restart" | "stop" | "start", name);
          const adapter = h.snapshot().adapters.find((a) => a.name === name) ?? null;
          return json({ outcome, adapter });
        }
        return problem(404, "not_found", `no route ${route}`);
      } catch (err) {
        if (err instanceof BosunError) {
          const status = err.code === "adapter_unknown" || err.code === "unknown_target" ? 404 : 409;
          return problem(status, err.code, err.message, err.hint);
        }
        return problem(500, "internal", errorMessage(err));
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

/** Server-sent events: a snapshot first, the recent log records, then every bus event, with heartbeats. */
function eventStream(h: ControlHandlers, streams: Set<() => void>): Response {
  const enc = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (e: BosunEvent) => {
        try {
          controller.enqueue(enc.encode(`data: ${JSON.stringify(h.redactor.deep(e))}\n\n`));
        } catch {
          cleanup();
        }
      };
      write({ type: "snapshot", at: new Date().toISOString(), status: h.snapshot() });
      // Then the recent log, so a dashboard attaching to a quiet gateway has lines to show.
      // All of this and the subscription run in one tick of a synchronous bus: nothing falls between.
      for (const l of h.bus.recentLogs()) write(l);
      const off = h.bus.on(write);
      const beat = setInterval(() => {
        try {
          controller.enqueue(enc.encode(": ping\n\n"));
        } catch {
          cleanup();
        }
      }, HEARTBEAT_MS);
      cleanup = () => {
        off();
        clearInterval(beat);
        streams.delete(cleanup);
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      streams.add(cleanup);
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}
