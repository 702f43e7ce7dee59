import type { ConsolaInstance } from "consola";
import { errorMessage } from "../../errors.ts";
import type { AsyncQueue } from "../../util/queue.ts";
import type { AdapterEvent } from "../types.ts";
import { sleep, TelegramApiError, TelegramAuthError, type TelegramApi } from "./api.ts";
import { toInbound } from "./map.ts";
import { advanceOffset } from "./offset.ts";
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
  now: () => number;
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

/**
 * Tracks one getUpdates batch until the gateway has accepted every message in it. The offset on
 * disk moves to just past the longest accepted prefix of the batch, so a crash never skips a
 * message that came before an accepted one.
 */
class Batch {
  readonly #ids: number[];
  readonly #done = new Set<number>();
  #prefix = 0;
  #resolve!: () => void;
  readonly allDone = new Promise<void>((r) => (this.#resolve = r));

  constructor(
    updates: TgUpdate[],
    private readonly stateFile: string,
  ) {
    this.#ids = updates.map((u) => u.update_id);
    if (this.#ids.length === 0) this.#resolve();
  }

  /** Mark one update handled; with `persist`, store the offset if the accepted prefix grew. */
  markDone(id: number, persist: boolean): void {
    this.#done.add(id);
    const before = this.#prefix;
    while (this.#prefix < this.#ids.length && this.#done.has(this.#ids[this.#prefix]!)) this.#prefix++;
    if (this.#prefix === this.#ids.length) this.#resolve();
    if (persist && this.#prefix > before) this.persist();
  }

  /** Write the offset of the accepted prefix (no-op when nothing is accepted). */
  persist(): void {
    if (this.#prefix > 0) advanceOffset(this.stateFile, this.#ids[this.#prefix - 1]! + 1);
  }
}

function waitOrAbort(p: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => resolve();
    signal.addEventListener("abort", onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

/**
 * The long-polling loop. Resolves when stopped (signal, or the stream's consumer went away);
 * rejects with the reason the connection is unusable (409, 401, network, protocol errors).
 * The next batch is requested only once every message of the current one was accepted: a higher
 * offset confirms updates to Telegram, which then forgets them.
 */
export async function runPoller(o: PollerOptions): Promise<void> {
  let offset = o.offset;
  while (!o.signal.aborted && !o.queue.ended) {
    const t0 = o.now();
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
          // mutated
          continue;
        }
      }
      throw err;
    }
    o.onPoll();
    o.queue.push({ type: "activity" });
    const fresh = updates.filter((u) => u.update_id >= offset).sort((a, b) => a.update_id - b.update_id);
    if (fresh.length === 0) {
      const elapsed = o.now() - t0;
      if (elapsed < MIN_EMPTY_POLL_MS) await sleep(MIN_EMPTY_POLL_MS - elapsed, o.signal);
      continue;
    }
    const batch = new Batch(fresh, o.stateFile);
    for (const update of fresh) {
      const message = toInbound(update);
      if (!message) {
        batch.markDone(update.update_id, false);
        continue;
      }
      const id = update.update_id;
      const accepted = () => {
        try {
          batch.markDone(id, true);
        } catch (err) {
          // Telegram is still confirmed (the gateway holds the message); a restart may redeliver it, which the gateway de-duplicates.
          o.log.warn(`could not store the Telegram update offset: ${errorMessage(err)}`);
          throw err;
        }
      };
      o.queue.push({ type: "message", message, accepted });
    }
    try {
      batch.persist();
    } catch (err) {
      o.log.warn(`could not store the Telegram update offset: ${errorMessage(err)}`);
    }
    await waitOrAbort(batch.allDone, o.signal);
    offset = fresh[fresh.length - 1]!.update_id + 1;
  }
}
