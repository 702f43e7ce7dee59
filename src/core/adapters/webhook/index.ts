import { BosunError } from "../../errors.ts";
import { sessionKey } from "../../sessions/key.ts";
import { serve, type HttpServer } from "../../platform/index.ts";
import { listenUrl, parseListen, selfHost } from "../../util/listen.ts";
import type { Clock } from "../../util/clock.ts";
import { AsyncQueue } from "../../util/queue.ts";
import type { Adapter, AdapterEvent, AdapterFactory, OutboundMessage } from "../types.ts";
import { postCallback } from "./callback.ts";
import type { WebhookAdapterConfig } from "./kind.ts";
import { createHandler } from "./handler.ts";
import { PendingReplies, replyKey } from "./pending.ts";
import { errorBody, replyBody, SHUTTING_DOWN } from "./responses.ts";

export { signBody, verifySignature, SIGNATURE_HEADER } from "./signature.ts";

/** An idle keep-alive connection, or a request that stalls before its body is read, is closed after this. */
const IDLE_TIMEOUT_SEC = 30;
/** How long shutdown lets in-flight callback POSTs finish before aborting them. */
const CALLBACK_DRAIN_MS = 2_000;
/** How long shutdown lets answered requests write their response before the server closes connections. */
const REQUEST_DRAIN_MS = 1_000;

/** Where the adapter can reach its own server (a wildcard listen address is reached on loopback). */
function settledWithin(clock: Clock, promises: Iterable<Promise<unknown>>, ms: number): Promise<void> {
  const deadline = new AbortController();
  return Promise.race([Promise.allSettled([...promises]).then(() => undefined), clock.sleep(ms, deadline.signal)]).finally(() => deadline.abort());
}

/**
 * The webhook adapter: `POST /` with a JSON message signed by X-Bosun-Signature; the HTTP request
 * waits for the agent's reply (and, with callback_url, the reply is also POSTed there, signed).
 * De-duplication of repeated ids is the gateway's job: every valid request becomes an event and
 * every reply is routed back by `replyTo`.
 */
export const createWebhookAdapter: AdapterFactory<WebhookAdapterConfig> = (ctx) => {
  const { config } = ctx;
  const { hostname, port } = parseListen(config.listen);
  const pending = new PendingReplies(ctx.clock);
  const callbacks = new AbortController();
  const inflightCallbacks = new Set<Promise<void>>();
  const activeRequests = new Set<Promise<Response>>();
  let server: HttpServer | null = null;
  let queue: AsyncQueue<AdapterEvent> | null = null;
  let stopping = false;
  /** Set by stopIntake (a `bosun down` draining): new requests get the 503, replies still go out. */
  let intakeStopped = false;
  let shutdownDone: Promise<void> | null = null;
  let lastEventAt = 0;
  const touch = () => {
    lastEventAt = ctx.clock.now();
  };

  const handle = createHandler({
    name: ctx.name,
    secret: config.secret,
    maxBodyBytes: config.max_body_bytes,
    bodyDeadlineMs: config.body_timeout_ms,
    replyTimeoutMs: config.reply_timeout_ms,
    pending,
    log: ctx.log,
    clock: ctx.clock,
    stopping: () => stopping || intakeStopped,
    touch,
    deliver: (request, accepted, refuse) =>
      queue?.push({
        type: "message",
        message: request.message,
        accepted,
        rejected: (reason) => refuse({ status: 409, body: errorBody(reason.code, reason.message) }),
      }),
  });

  const adapter: Adapter = {
    name: ctx.name,
    kind: "webhook",
    answersDuplicates: true,
    get lastEventAt() {
      return lastEventAt;
    },
    async start(signal: AbortSignal) {
      if (queue) throw new Error("this webhook adapter was already started; the supervisor builds a new one per start");
      if (stopping || signal.aborted) throw new Error("the webhook adapter was stopped before it started");
      const q = new AsyncQueue<AdapterEvent>();
      queue = q;
      const s = await serve({
        hostname,
        port,
        idleTimeoutSec: IDLE_TIMEOUT_SEC,
        fetch(req, _upgrade, control) {
          const res = handle(req, control);
          activeRequests.add(res);
          void res.finally(() => activeRequests.delete(res)).catch(() => undefined);
          return res;
        },
      });
      if (stopping) {
        // shutdown() ran while we were binding: it could not stop a server it did not have yet.
        await s.stop();
        throw new Error("the webhook adapter was stopped while starting");
      }
      server = s;
      touch();
      signal.addEventListener("abort", () => void adapter.shutdown(), { once: true });
      ctx.log.info(`webhook listening on ${listenUrl(hostname, s.port)}`);
      return q;
    },
    async send(message: OutboundMessage) {
      if (message.replyTo === undefined || message.replyTo === "") {
        throw new BosunError("not_deliverable", "a webhook only answers requests: it has no way to send a message of its own", {
          hint: "the caller gets each reply in the HTTP answer, or at its callback_url",
        });
      }
      const body = replyBody(sessionKey(ctx.name, message.conversation), message.text, message.error);
      const settled = pending.settle(replyKey(message.conversation, message.replyTo), { status: 200, body });
      // The latest request's URL, or the one stored with the message (a reply after a restart).
      const callbackUrl = settled.callbackUrl ?? message.replyUrl;
      const answered = settled.answered;
      if (callbackUrl !== undefined) {
        // Awaited: a callback that fails makes the delivery fail, so it is tried again.
        const posting = postCallback(callbackUrl, JSON.stringify(body), config.secret, callbacks.signal);
        inflightCallbacks.add(posting);
        try {
          await posting;
        } finally {
          inflightCallbacks.delete(posting);
        }
      } else if (answered === 0) {
        ctx.log.debug(`no request is waiting for the reply to ${message.replyTo} (it timed out or the client left)`);
      }
    },
    stopIntake() {
      intakeStopped = true;
    },
    shutdown() {
      if (shutdownDone) return shutdownDone;
      stopping = true;
      shutdownDone = (async () => {
        pending.settleAll(SHUTTING_DOWN);
        queue?.end();
        // Let the answered requests write their 503 before the server closes their connections.
        await settledWithin(ctx.clock, activeRequests, REQUEST_DRAIN_MS);
        const s = server;
        server = null;
        if (s) await s.stop();
        await settledWithin(ctx.clock, inflightCallbacks, CALLBACK_DRAIN_MS);
        callbacks.abort();
      })();
      return shutdownDone;
    },
    async probe() {
      if (!server || stopping) return false;
      try {
        const res = await fetch(`${listenUrl(selfHost(hostname), server.port)}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel().catch(() => undefined);
        return res.ok;
      } catch {
        return false;
      }
    },
  };
  return adapter;
};
