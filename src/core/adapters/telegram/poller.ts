import type { ConsolaInstance } from "consola";
import { errorMessage } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import type { AsyncQueue } from "../../util/queue.ts";
import type { AdapterEvent } from "../types.ts";
import { TelegramApiError, TelegramAuthError, type TelegramApi } from "./api.ts";
import { toInbound } from "./map.ts";
import { Batch } from "./batch.ts";
import { parseUpdates, type TgUpdate } from "./wire.ts";

/** Extra time the HTTP request gets beyond the long-poll timeout before we call it dead. */
export const POLL_GRACE_S = 10;
/** Polls that come back empty sooner than this wait out the rest (no hot loop on short polling). */
const MIN_EMPTY_POLL_MS = 1_000;

export interface PollerOptions {
  api: TelegramApi;
  stateFile: string;
  /** Offset to start from (read from the state file). */
  offset: number;
  pollTimeoutS: number;
  signal: AbortSignal;
  queue: AsyncQueue<AdapterEvent>;
  log: ConsolaInstance;
  clock: Clock;
  /** Called after every successful getUpdates (liveness). */
  onPoll: () => void;
}

/** A getUpdates conflict: another poller (or a webhook) owns this token. The supervisor backs off. */
export function conflictError(description: string): Error {
  const webhook = /webhook/i.test(description);
  const err = new Error(
    webhook
      ? "a webhook is set for this bot, so it cannot be polled (409 Conflict); remove it with deleteWebhook"
      : "another bot instance is polling this token (409 Conflict)",
  );
  (err as Error & { code: string }).code = "conflict";
  return err;
}

/** Wait for `p`, at most `ms` on `clock`; true when `p` settled first. Ends early (false) on abort. */
function waitBounded(p: Promise<void>, ms: number, signal: AbortSignal, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const finish = (v: boolean) => {
      cancel();
      signal.removeEventListener("abort", onAbort);
      resolve(v);
    };
    const onAbort = () => finish(false);
    const cancel = clock.after(ms, () => finish(false));
    signal.addEventListener("abort", onAbort, { once: true });
    void p.then(() => finish(true));
  });
}

/**
 * The long-polling loop. Resolves when stopped (signal, or the stream's consumer went away);
 * rejects with the reason the connection is unusable (409, 401, network, protocol errors).
 *
 * A higher offset confirms updates to Telegram, which then forgets them; so the offset sent
 * never passes a message the gateway has not accepted. When a batch is not fully accepted
 * within one poll cycle (the gateway could not store a message), the loop polls again from the
 * accepted prefix and re-yields what is still unaccepted: the platform delivers it again.
 */
export async function runPoller(o: PollerOptions): Promise<void> {
  let offset = o.offset;
  let batch: Batch | null = null;
  // Updates accepted by this instance, so a re-poll does not hand them to the gateway twice.
  const accepted = new Set<number>();
  const cycleMs = Math.max(1, o.pollTimeoutS) * 1000;
  while (!o.signal.aborted && !o.queue.ended) {
    const t0 = o.clock.now();
    let updates: TgUpdate[];
    try {
      const params: Record<string, unknown> = { timeout: o.pollTimeoutS, allowed_updates: ["message"] };
      if (offset > 0) params.offset = offset;
      updates = parseUpdates(await o.api.call("getUpdates", params, { timeoutMs: (o.pollTimeoutS + POLL_GRACE_S) * 1000, signal: o.signal }));
    } catch (err) {
      if (o.signal.aborted) return;
      if (err instanceof TelegramApiError) {
        if (err.status === 409) throw conflictError(err.description);
        if (err.status === 401) throw new TelegramAuthError();
        if (err.status === 429) {
          const waitS = Math.max(1, err.retryAfterS ?? 1);
          o.log.warn(`Telegram rate limit on getUpdates; polling again in ${waitS} s`);
          await o.clock.sleep(waitS * 1000, o.signal);
          continue;
        }
      }
      throw err;
    }
    o.onPoll();
    o.queue.push({ type: "activity" });
    const fresh = updates.filter((u) => u.update_id >= offset).sort((a, b) => a.update_id - b.update_id);
    if (fresh.length === 0) {
      const elapsed = o.clock.now() - t0;
      if (elapsed < MIN_EMPTY_POLL_MS) await o.clock.sleep(MIN_EMPTY_POLL_MS - elapsed, o.signal);
      continue;
    }
    const current = new Batch(
      fresh.map((u) => u.update_id),
      o.stateFile,
    );
    batch = current;
    for (const update of fresh) {
      const id = update.update_id;
      const message = accepted.has(id) ? undefined : toInbound(update);
      if (!message) {
        current.markDone(id, false);
        continue;
      }
      const onAccepted = () => {
        accepted.add(id);
        try {
          // A late accept from before a re-poll counts for the batch in flight now.
          batch?.markDone(id, true);
        } catch (err) {
          // Telegram is still confirmed (the gateway holds the message); a restart may redeliver it, which the gateway de-duplicates.
          o.log.warn(`could not store the Telegram update offset: ${errorMessage(err)}`);
          throw err;
        }
      };
      o.queue.push({ type: "message", message, accepted: onAccepted });
    }
    try {
      current.persist();
    } catch (err) {
      o.log.warn(`could not store the Telegram update offset: ${errorMessage(err)}`);
    }
    const complete = await waitBounded(current.allDone, cycleMs, o.signal, o.clock);
    if (o.signal.aborted) return;
    if (complete) {
      offset = fresh[fresh.length - 1]!.update_id + 1;
    } else {
      offset = current.nextOffset(offset);
      o.log.warn(`${current.missing.length} Telegram message(s) not accepted by the gateway within ${cycleMs / 1000} s; fetching them again`);
    }
    for (const id of accepted) if (id < offset) accepted.delete(id);
  }
}
