// Gateway overhead per turn, in process: the real turn runtime over a real SQLite file store (WAL,
// the gateway's own openDatabase), the echo provider, and a channel that only records when the
// reply was handed to it. No HTTP, no adapter transport: the path of semantics §4 alone.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OutboundMessage } from "../src/core/messages.ts";
import type { Channels } from "../src/core/sessions/outbox.ts";
import { systemClock } from "../src/core/util/clock.ts";
import { startRuntime } from "../test/helpers/runtime.ts";
import { percentile, round } from "./lib.ts";

const ADAPTER = "bench";

export interface OverheadFigures {
  turns: number;
  warmup: number;
  /** inbound() called -> reply handed to Channels.send. */
  toSendMs: { p50: number; p99: number; max: number };
  /** inbound() called -> the outbox row marked sent (the turn's last store write returned). */
  toSentMs: { p50: number; p99: number; max: number };
  /** Store calls (accept, recordTurn, markSent) over 1 ms in the measured turns, and their median: where the slow turns' time goes. */
  slowStoreWrites: { count: number; medianMs: number };
  /** Process CPU (user+sys, all threads) per turn over the measured turns. */
  cpuMsPerTurn: number;
  meetsTarget: boolean;
  targetP99Ms: number;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;
const stats = (xs: number[]) => ({ p50: r3(percentile(xs, 50)), p99: r3(percentile(xs, 99)), max: r3(Math.max(...xs)) });

/**
 * `turns` sequential turns, each in a session of its own among `sessions` (round robin, so the
 * history read and the session upsert are those of a live store, not of one hot row), after
 * `warmup` untimed turns. One turn at a time: concurrency would measure queueing, not overhead.
 */
export async function benchTurnOverhead(turns: number, warmup: number, sessions: number): Promise<OverheadFigures> {
  const dir = mkdtempSync(join(tmpdir(), "bosun-bench-overhead-"));
  let sentAt = new Map<string, number>();
  let waiter: { id: string; resolve: () => void } | null = null;
  const channels: Channels = {
    async send(_adapter: string, m: OutboundMessage) {
      sentAt.set(m.replyTo!, performance.now());
      return "sent";
    },
    progress() {},
    answersDuplicates: () => false,
  };
  const { store, runtime } = await startRuntime({ channels, clock: systemClock, db: join(dir, "bosun.db"), maxConcurrentTurns: 8, maxWaiting: 20 });
  // Time the end of the turn's last store write: the outbox row marked sent.
  // Each store write is timed too: a slow turn is then either a slow write or something else (GC).
  const slowWrites: number[] = [];
  let measuring = false;
  const timed = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    const t = performance.now();
    const r = await f(...a);
    const ms = performance.now() - t;
    if (measuring && ms > 1) slowWrites.push(ms);
    return r;
  };
  store.accept = timed(store.accept.bind(store));
  const markSent = timed(store.markSent.bind(store));
  const replyToOfRow = new Map<number, string>();
  const recordTurn = timed(store.recordTurn.bind(store));
  store.recordTurn = async (r) => {
    const e = await recordTurn(r);
    if (e) replyToOfRow.set(e.id, r.inbound.id);
    return e;
  };
  store.markSent = async (id, at) => {
    await markSent(id, at);
    const replyTo = replyToOfRow.get(id);
    replyToOfRow.delete(id);
    if (waiter && waiter.id === replyTo) waiter.resolve();
  };
  try {
    const one = async (i: number, label: string): Promise<[number, number]> => {
      const id = `${label}-${i}`;
      const done = new Promise<void>((resolve) => (waiter = { id, resolve }));
      const t0 = performance.now();
      const fresh = await runtime.inbound(ADAPTER, { message: { id, conversation: `c${i % sessions}`, user: "bench", text: `message ${i}` } });
      if (!fresh) throw new Error(`the runtime refused message ${id}`);
      await done;
      const t1 = performance.now();
      const s = sentAt.get(id);
      if (s === undefined) throw new Error(`no reply was handed to the channel for ${id}`);
      sentAt.delete(id);
      return [s - t0, t1 - t0];
    };
    for (let i = 0; i < warmup; i++) await one(i, "warm");
    sentAt = new Map();
    const toSend: number[] = [];
    const toSent: number[] = [];
    measuring = true;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < turns; i++) {
      const [a, b] = await one(i, "turn");
      toSend.push(a);
      toSent.push(b);
    }
    const cpu = process.cpuUsage(cpu0);
    const p99 = percentile(toSent, 99);
    return {
      turns,
      warmup,
      toSendMs: stats(toSend),
      toSentMs: stats(toSent),
      slowStoreWrites: { count: slowWrites.length, medianMs: r3(percentile(slowWrites, 50)) },
      cpuMsPerTurn: r3((cpu.user + cpu.system) / 1000 / turns),
      targetP99Ms: 2,
      meetsTarget: p99 < 2,
    };
  } finally {
    await runtime.stop(1_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const r = await benchTurnOverhead(Number(process.argv[2] ?? 5_000), 500, 1_000);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
