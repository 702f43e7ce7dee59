import type { Clock } from "./clock.ts";

/** The outcome of reading a request body under a size cap. */
export type CappedBody = { ok: true; bytes: Uint8Array } | { ok: false; reason: "too_large" | "too_slow" };


/**
 * Read a request (or response) body, refusing more than `maxBytes`. A declared Content-Length over the cap is
 * refused before reading anything; a body that streams past the cap (chunked, or a lying length)
 * is refused as soon as it does, and the rest is never read. A body still incomplete after
 * `deadlineMs` is refused as too slow.
 */
export async function readCappedBody(req: { headers: Headers; body: ReadableStream<Uint8Array> | null }, maxBytes: number, deadlineMs: number, clock: Clock): Promise<CappedBody> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > maxBytes) {
    return { ok: false, reason: "too_large" };
  }
  if (!req.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const deadline = new AbortController();
  const late = clock.sleep(deadlineMs, deadline.signal).then(() => "late" as const);
  try {
    return await readChunks(reader, maxBytes, late);
  } finally {
    deadline.abort();
  }
}

/** Read to the end, the cap or the deadline, whichever comes first. */
async function readChunks(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number, late: Promise<"late">): Promise<CappedBody> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const next = await Promise.race([reader.read(), late]);
    if (next === "late") {
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: "too_slow" };
    }
    const { done, value } = next;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: "too_large" };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes };
}
