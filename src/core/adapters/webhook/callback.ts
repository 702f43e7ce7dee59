import { UndeliverableError } from "../../messages.ts";
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
 * verify it came from this bosun. Throws when the receiver did not take it, so the reply's
 * delivery is tried again (the outbox's backoff and bound): an UndeliverableError for an answer
 * that a retry cannot change (a 4xx other than 408 and 429), an Error otherwise. Messages name the
 * URL without credentials, query or fragment.
 */
export async function postCallback(url: string, body: string, secret: string, signal: AbortSignal): Promise<void> {
  const where = describeUrl(url);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", [SIGNATURE_HEADER]: signBody(secret, body) },
      body,
      redirect: "manual",
      signal: AbortSignal.any([signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]),
    });
  } catch (err) {
    const reason = err instanceof Error && err.name === "TimeoutError" ? `no answer within ${CALLBACK_TIMEOUT_MS} ms` : err instanceof Error ? err.message : String(err);
    throw new Error(`callback to ${where} failed: ${scrub(reason, url)}`);
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.ok) return;
  const message = `callback to ${where} answered HTTP ${res.status}`;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new UndeliverableError(message);
  throw new Error(message);
}
