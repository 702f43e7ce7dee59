import type { ConsolaInstance } from "consola";
import { sessionKey } from "../../sessions/key.ts";
import type { RequestControl } from "../../platform/index.ts";
import type { Clock } from "../../util/clock.ts";
import { readCappedBody } from "../../util/capped-body.ts";
import { replyKey, type PendingReplies } from "./pending.ts";
import { parseWebhookRequest, type WebhookRequest } from "./request.ts";
import { errorResponse, jsonResponse, SHUTTING_DOWN, timeoutOutcome, type Outcome } from "./responses.ts";
import { SIGNATURE_HEADER, verifySignature } from "./signature.ts";

export interface HandlerDeps {
  name: string;
  secret: string;
  maxBodyBytes: number;
  /** How long the whole body may take to arrive. */
  bodyDeadlineMs: number;
  replyTimeoutMs: number;
  pending: PendingReplies;
  log: ConsolaInstance;
  clock: Clock;
  /** True once shutdown began: no new request is accepted. */
  stopping(): boolean;
  /** Record protocol traffic (liveness). */
  touch(): void;
  /**
   * Hand a valid request to the gateway (the adapter's stream). `accepted` runs once the gateway
   * has stored it (or found it stored); `refuse` answers this request instead of a reply.
   */
  deliver(request: WebhookRequest, accepted: () => void, refuse: (outcome: Outcome) => void): void;
}

const BAD_SIGNATURE = `missing or invalid ${SIGNATURE_HEADER}`;

/**
 * The webhook's HTTP handler. Checks run cheapest first and in a fixed order: route, method,
 * body size, signature, JSON, fields. Only then is the message handed on, and the request waits
 * for its reply. Nothing derived from the secret or the signature header is ever echoed.
 */
export function createHandler(deps: HandlerDeps): (req: Request, control: RequestControl) => Promise<Response> {
  return async (req, control) => {
    deps.touch();
    const { pathname } = new URL(req.url);
    if (pathname === "/healthz") {
      if (req.method === "GET" || req.method === "HEAD") return new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8" } });
      return errorResponse(405, "method_not_allowed", "use GET /healthz", { allow: "GET, HEAD" });
    }
    if (pathname !== "/") return errorResponse(404, "not_found", 'not found; POST messages to "/"');
    if (req.method !== "POST") return errorResponse(405, "method_not_allowed", 'use POST "/" with a signed JSON body', { allow: "POST" });
    if (deps.stopping()) return jsonResponse(SHUTTING_DOWN.status, SHUTTING_DOWN.body, SHUTTING_DOWN.headers);

    let body;
    try {
      body = await readCappedBody(req, deps.maxBodyBytes, deps.bodyDeadlineMs, deps.clock);
    } catch {
      return errorResponse(400, "bad_request", "the request body could not be read");
    }
    if (!body.ok) {
      // The unread rest of the body makes the connection unusable for another request.
      if (body.reason === "too_slow") return errorResponse(408, "body_too_slow", `the body did not arrive within ${deps.bodyDeadlineMs / 1000} s`, { connection: "close" });
      return errorResponse(413, "body_too_large", `body is larger than max_body_bytes (${deps.maxBodyBytes} bytes)`, { connection: "close" });
    }
    if (!verifySignature(deps.secret, body.bytes, req.headers.get(SIGNATURE_HEADER))) {
      deps.log.debug(`refused a request with a missing or invalid ${SIGNATURE_HEADER}`);
      return errorResponse(401, "bad_signature", BAD_SIGNATURE);
    }
    const parsed = parseWebhookRequest(body.bytes);
    if (!parsed.ok) return errorResponse(400, "bad_request", parsed.message);
    if (deps.stopping()) return jsonResponse(SHUTTING_DOWN.status, SHUTTING_DOWN.body, SHUTTING_DOWN.headers);

    const { message, callbackUrl } = parsed.request;
    // The wait for the agent is bounded by reply_timeout_ms, not by the connection's idle timer.
    control.waitLong(req);
    const key = replyKey(message.conversation, message.id);
    const session = sessionKey(deps.name, message.conversation);
    // Wait first, then deliver: a reply can never arrive before its request is listening for it.
    const waiting = deps.pending.wait(key, deps.replyTimeoutMs, () => timeoutOutcome(session));
    deps.deliver(
      parsed.request,
      // Only a request the gateway accepted may name where the reply goes: a refused one must not
      // redirect the reply to someone else's message.
      () => {
        waiting.join();
        if (callbackUrl !== undefined) deps.pending.setCallback(key, callbackUrl);
      },
      waiting.answer,
    );
    const outcome = await waiting.outcome;
    if (outcome.status === 504) deps.log.debug(`no reply to request ${message.id} within ${deps.replyTimeoutMs} ms`);
    return jsonResponse(outcome.status, outcome.body, outcome.headers);
  };
}
