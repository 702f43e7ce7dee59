import { z } from "zod";
import { isLoopbackHost } from "../util/origin.ts";
import { parseHostPort } from "../util/listen.ts";

// Field schemas shared by the config's sections and by every adapter kind's schema. A leaf:
// it imports no section and no kind, so kinds can use it without an import circle.

// setTimeout fires at once for delays above 2^31-1 ms, so cap timeouts well below that.
const MAX_TIMEOUT_MS = 86_400_000;

/** A duration in milliseconds with a default, bounded so a timer can hold it. */
export function timeoutMs(defaultMs: number, description: string, min = 1) {
  return z
    .number()
    .int()
    .min(min, min > 1 ? { error: `must be at least ${min}` } : undefined)
    .max(MAX_TIMEOUT_MS, { error: `must be at most ${MAX_TIMEOUT_MS} (24 hours)` })
    .default(defaultMs)
    .describe(description);
}

/** A `listen = "host:port"` address. */
export const listenSchema = z
  .string()
  .refine((s) => parseHostPort(s) !== undefined, {
    error: 'must be "host:port" with a port from 1 to 65535 (IPv6 as "[::1]:7420")',
    params: { hint: 'e.g. listen = "127.0.0.1:7420"' },
  })
  .describe('Address to listen on, "host:port" (IPv6 as "[::1]:port").');

/** A `host:port` a client connects to. */
export const hostPortSchema = z.string().refine((s) => parseHostPort(s) !== undefined, {
  error: 'must be "host:port" with a port from 1 to 65535',
});

/** Whether a listen address is reachable from this machine only. */
export function isLoopbackListen(listen: string): boolean {
  const hp = parseHostPort(listen);
  return hp !== undefined && isLoopbackHost(hp.host);
}

/** A one-line secret: a CR or LF would smuggle a second protocol command. */
export const lineSecret = (description: string) =>
  z.string().regex(/^[^\r\n]*$/, { error: "must be one line (no line breaks)" }).describe(description);

/**
 * Supervision timings every adapter accepts (semantics §1), spread into each kind's schema.
 * Tests shorten them through config; there is no other way to change them.
 */
export function supervision(staleDefaultMs: number) {
  return {
    backoff_initial_ms: timeoutMs(1_000, "First retry delay after a failure, in milliseconds (doubles per failure, full jitter)."),
    backoff_max_ms: timeoutMs(60_000, "Cap of the retry delay, in milliseconds."),
    healthy_after_ms: timeoutMs(10_000, "A connection that stays up this long (or delivers an event) resets the backoff, in milliseconds."),
    failed_after: z.number().int().min(1).max(1_000_000).default(10).describe("Consecutive failures after which the state shows `failed` (retries go on)."),
    stale_after_ms: timeoutMs(staleDefaultMs, "No traffic for this long triggers a liveness probe; a failed probe restarts the adapter, in milliseconds."),
    stop_timeout_ms: timeoutMs(5_000, "How long a stop waits for the adapter to finish, in milliseconds."),
  };
}

/** The supervision timings every adapter config carries. */
export type SupervisionConfig = z.output<z.ZodObject<ReturnType<typeof supervision>>>;
