import { diskError } from "./disk.ts";
import { DownloadError, hostOf } from "./errors.ts";
import { rangeEnd } from "./framing.ts";
import { Watchdog } from "./idle-watchdog.ts";
import { PartWriter } from "./part-writer.ts";
import type { RequestControl, Step, TransferState } from "./state.ts";

/**
 * The JS path: read the body chunk by chunk onto the `.part` from `start`, hashing in order, with
 * an idle watchdog on every read. "again" when a capped range ended early (ask for the rest).
 */
export async function writeBodyInJs(t: TransferState, res: Response, start: number, req: RequestControl): Promise<Step> {
  t.via = "stream";
  const { size } = t.o;
  if (!res.body) throw new DownloadError("network", `empty response from ${t.safeUrl}`);
  let writer: PartWriter;
  try {
    writer = PartWriter.open(t.part, start, { writebackBytes: t.o.writebackBytes });
  } catch (err) {
    await res.body.cancel().catch(() => undefined);
    throw diskError(t.part, err);
  }
  const reader = res.body.getReader();
  const dog = new Watchdog(t.o.idleTimeoutMs, () => req.stop("idle_timeout"), t.clock);
  let total = start;
  let overflow = false;
  try {
    for (;;) {
      dog.arm();
      const { done, value } = await reader.read();
      dog.disarm();
      if (done) break;
      if (total + value.byteLength > size) {
        overflow = true;
        break;
      }
      total += value.byteLength;
      t.received += value.byteLength;
      // A chunk written synchronously is ours to give away: it moves to the hashing thread uncopied.
      const direct = !writer.inBackground;
      const full = pushOrThrow(writer, value, t.part);
      t.hash.update(value, direct);
      if (full) await full.catch((err) => Promise.reject(diskError(t.part, err)));
      t.have = total;
      t.progress(false);
    }
  } catch (err) {
    dog.stop();
    req.ctrl.abort();
    await writer.abandon();
    throw err instanceof DownloadError ? err : t.failure(req.why(), err);
  }
  dog.stop();
  if (overflow) {
    req.ctrl.abort();
    await writer.abandon();
    t.restart();
    throw new DownloadError("size_mismatch", `size mismatch: ${t.safeUrl} is longer than the expected ${size} bytes`);
  }
  try {
    await writer.finish(total === size);
  } catch (err) {
    throw diskError(t.part, err);
  } finally {
    t.writebacks += writer.writebacks;
  }
  if (total === size) return "complete";
  const end = rangeEnd(res);
  if (end !== undefined && total === end + 1 && total > start) return "again";
  throw new DownloadError("network", `connection to ${hostOf(t.safeUrl)} ended after ${total} of ${size} bytes`);
}

function pushOrThrow(writer: PartWriter, chunk: Uint8Array, part: string): Promise<void> | undefined {
  try {
    return writer.push(chunk);
  } catch (err) {
    throw diskError(part, err);
  }
}
