import type { ConsolaInstance } from "consola";
import { safeUrl } from "../../util/url.ts";
import { SIGNATURE_HEADER, signBody } from "./signature.ts";

/** How long one callback POST may take. */
export const CALLBACK_TIMEOUT_MS = 10_000;

/** A callback URL as it may appear in a log line: no credentials, query or fragment (they may hold tokens). */
export const describeUrl = (url: string): string => safeUrl(url);

function scrub(message: string, url: string): string {
  return message.split(url).join(describeUrl(url));
}

/**
 * POST a reply body to a request's callback_url, signed like the requests are, so the receiver can
 * verify it came from this bosun. Never throws: failures are logged and the reply stays delivered
 * to any waiting HTTP request.
 */
export async function postCallback(url: string, body: string, secret: string, log: ConsolaInstance, signal: AbortSignal): Promise<void> {
  const where = describeUrl(url);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", [SIGNATURE_HEADER]: signBody(secret, body) },
      body,
      redirect: "manual",
      signal: AbortSignal.any([signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]),
    });
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) log.warn(`callback to ${where} answered HTTP ${res.status}`);
  } catch (err) {
    const reason = err instanceof Error && err.name === "TimeoutError" ? `no answer within ${CALLBACK_TIMEOUT_MS} ms` : err instanceof Error ? err.message : String(err);
    log.warn(`callback to ${where} failed: ${scrub(reason, url)}`);
  }
}
