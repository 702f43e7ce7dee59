import { createHmac } from "node:crypto";
import { freePort, percentile, progress, round, rssMb } from "./lib.ts";
import { renderConfig, type AdapterSpec, type Sandbox } from "./sandbox.ts";

export const NAME = "h1";
export const SECRET = "bench-webhook-secret-0123456789";
const REQUEST_TIMEOUT_MS = 10_000;
/** Error messages kept in the result; the count covers all of them. */
const KEEP_ERRORS = 5;

interface Signed {
  body: string;
  signature: string;
  conversation: string;
  text: string;
}

export interface LoadFigures {
  requests: number;
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  requestsPerSec: number;
  errors: number;
  errorSamples?: string[];
}

export interface WebhookFigures {
  sequential: LoadFigures;
  concurrent: LoadFigures;
  rssAfterWebhookMb: number;
}

/** Bodies and their signatures, made before the clock starts so the client's HMAC isn't timed. */
function sign(label: string, count: number, conversations: number, first = 0): Signed[] {
  const run = crypto.randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, j) => {
    const i = first + j;
    const conversation = `${label}-${i % conversations}`;
    const text = `${label} message ${i}`;
    const body = JSON.stringify({ id: `${run}-${label}-${i}`, conversation, user: "bench", text });
    return { body, signature: `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`, conversation, text };
  });
}

/** POST one signed request; resolves with its wall ms, or throws what was wrong with the answer. */
async function post(url: string, r: Signed): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "X-Bosun-Signature": r.signature },
    body: r.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  const got = JSON.parse(text) as { session?: string; reply?: string; error?: unknown };
  if (got.session !== `${NAME}:${r.conversation}` || got.reply !== `echo: ${r.text}` || got.error !== null) {
    throw new Error(`unexpected answer to "${r.text}": ${text.slice(0, 200)}`);
  }
  return ms;
}

/**
 * `requests` signed POSTs by `concurrency` workers that each send one after another; request i
 * (counting from `first`) goes to conversation i % `conversations`.
 */
export async function load(url: string, label: string, requests: number, concurrency: number, conversations = concurrency, first = 0): Promise<LoadFigures> {
  // By default one conversation per worker: a conversation's turns are answered in order, so the
  // concurrent run would otherwise measure one conversation's queue.
  const signed = sign(label, requests, conversations, first);
  const times: number[] = [];
  const errors: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < signed.length) {
      const r = signed[next++]!;
      try {
        times.push(await post(url, r));
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = performance.now() - t0;
  const figures: LoadFigures = {
    requests,
    concurrency,
    p50Ms: round(percentile(times, 50)),
    p99Ms: round(percentile(times, 99)),
    requestsPerSec: round(requests / (wall / 1000)),
    errors: errors.length,
  };
  if (errors.length) figures.errorSamples = errors.slice(0, KEEP_ERRORS);
  return figures;
}

/** One webhook adapter, the echo agent: a warm-up, `sequential` requests one at a time, then `concurrent` at `concurrency`. */
export async function benchWebhook(sb: Sandbox, sequential: number, concurrent: number, concurrency: number): Promise<WebhookFigures> {
  const port = await freePort();
  sb.writeConfig(renderConfig(new Map<string, AdapterSpec>([[NAME, { kind: "webhook", port, secret: SECRET }]])));
  const { pid } = sb.up();
  const url = `http://127.0.0.1:${port}/`;
  const warm = await load(url, "warmup", 50, 1);
  if (warm.errors) throw new Error(`webhook warm-up failed: ${warm.errorSamples?.join("; ")}`);
  progress(`webhook: ${sequential} requests at concurrency 1`);
  const seq = await load(url, "seq", sequential, 1);
  progress(`webhook: ${concurrent} requests at concurrency ${concurrency}`);
  const par = await load(url, "par", concurrent, concurrency);
  const rssAfterWebhookMb = round(rssMb(pid));
  sb.down();
  return { sequential: seq, concurrent: par, rssAfterWebhookMb };
}
