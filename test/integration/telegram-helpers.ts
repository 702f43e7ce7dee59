import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatWithOptions } from "node:util";
import { createConsola } from "consola";
import { createTelegramAdapter } from "../../src/core/adapters/telegram/index.ts";
import type { Adapter, AdapterEvent, InboundMessage } from "../../src/core/adapters/types.ts";
import { telegramConfigSchema } from "../../src/core/adapters/telegram/kind.ts";
import { systemClock, type Clock } from "../../src/core/util/clock.ts";
import type { TelegramTestServer } from "../helpers/telegram-server.ts";

/** A fresh state file path in its own temp directory. */
export function tempStateFile(): string {
  return join(mkdtempSync(join(tmpdir(), "bosun-tg-")), "tg_state.json");
}

export interface Harness {
  adapter: Adapter;
  /** Every log line the adapter wrote. */
  logs: string[];
  stateFile: string;
}

/** A telegram adapter pointed at the test server, logging into an array. */
export function makeAdapter(server: TelegramTestServer, opts: { stateFile?: string; token?: string; apiRoot?: string; pollTimeoutS?: number; now?: () => number; clock?: Clock } = {}): Harness {
  const logs: string[] = [];
  const log = createConsola({
    level: 5,
    reporters: [{ log: (o) => logs.push(formatWithOptions({ breakLength: Infinity }, ...(o.args as unknown[]))) }],
  });
  const config = telegramConfigSchema.parse({
    kind: "telegram",
    token: opts.token ?? server.token,
    api_root: opts.apiRoot ?? server.url,
    poll_timeout_s: opts.pollTimeoutS ?? 1,
  });
  const stateFile = opts.stateFile ?? tempStateFile();
  const adapter = createTelegramAdapter({ name: "tg", config, log, clock: opts.clock ?? (opts.now ? { ...systemClock, now: opts.now } : systemClock), stateFile });
  return { adapter, logs, stateFile };
}

export type MessageEvent = Extract<AdapterEvent, { type: "message" }>;

/** Pulls events from a stream with deadlines; activity events are counted and skipped. */
export class StreamReader {
  readonly #it: AsyncIterator<AdapterEvent>;
  activity = 0;
  constructor(stream: AsyncIterable<AdapterEvent>) {
    this.#it = stream[Symbol.asyncIterator]();
  }

  /** The next message event. */
  async nextMessage(timeoutMs = 10_000): Promise<MessageEvent & { message: InboundMessage }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.#next(deadline - Date.now());
      if (r.done) throw new Error("the stream ended before a message arrived");
      if (r.value.type === "message") return r.value;
      this.activity++;
    }
  }

  /** Resolve with the error the stream ends with (rejects when it ends cleanly or yields a message). */
  async endError(timeoutMs = 10_000): Promise<Error> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let r: IteratorResult<AdapterEvent>;
      try {
        r = await this.#next(deadline - Date.now());
      } catch (err) {
        if (err instanceof Error && err.message.startsWith("no event within")) throw err;
        return err as Error;
      }
      if (r.done) throw new Error("the stream ended without an error");
      if (r.value.type === "message") throw new Error(`unexpected message ${r.value.message.text}`);
      this.activity++;
    }
  }

  #next(ms: number): Promise<IteratorResult<AdapterEvent>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no event within the deadline`)), Math.max(1, ms))));
    return Promise.race([this.#it.next(), timeout]).finally(() => clearTimeout(timer));
  }
}
