// The turn runtime's figures (issue 10): webhook -> echo through the durable store, recovery of
// 1,000 stored-but-unanswered messages after kill -9, and the daemon's RSS over 200,000 messages.
// The in-process overhead per turn is turn-overhead.ts.
import { readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { OpenAIServer } from "../test/helpers/openai-server.ts";
import { clockTicks, cpuTicks, freePort, progress, round, rssMb, sleep } from "./lib.ts";
import { renderConfig, until, type AdapterSpec, type Sandbox } from "./sandbox.ts";
import { load, NAME, SECRET, type LoadFigures } from "./webhook.ts";

const webhookOnly = (port: number) => new Map<string, AdapterSpec>([[NAME, { kind: "webhook", port, secret: SECRET }]]);

/** The daemon's CPU ms (user+sys, all threads) spent per message while `run` ran. */
async function withCpu<T extends { requests: number }>(pid: number, run: () => Promise<T>): Promise<T & { daemonCpuMsPerMessage: number }> {
  const t0 = cpuTicks(pid);
  const r = await run();
  return { ...r, daemonCpuMsPerMessage: round((((cpuTicks(pid) - t0) / clockTicks()) * 1000 * 1000) / r.requests) / 1000 };
}

function failIfErrors(what: string, f: LoadFigures): void {
  if (f.errors) throw new Error(`${what}: ${f.errors} of ${f.requests} requests failed, e.g. ${f.errorSamples?.[0]}`);
}

export interface ThroughputFigures {
  conversations: number;
  runs: Array<LoadFigures & { daemonCpuMsPerMessage: number }>;
}

/** Signed webhook POSTs answered by the echo provider, every turn through the SQLite store, at each concurrency in turn. */
export async function benchTurnThroughput(sb: Sandbox, requests: number, concurrencies: number[], conversations: number): Promise<ThroughputFigures> {
  const port = await freePort();
  sb.writeConfig(renderConfig(webhookOnly(port)));
  const { pid } = sb.up();
  const url = `http://127.0.0.1:${port}/`;
  failIfErrors("warm-up", await load(url, "warm", 200, 4, conversations));
  const runs = [];
  for (const c of concurrencies) {
    progress(`turns: webhook, ${requests} requests at concurrency ${c} over ${conversations} conversations`);
    const r = await withCpu(pid, () => load(url, `c${c}`, requests, c, conversations));
    failIfErrors(`concurrency ${c}`, r);
    runs.push(r);
  }
  sb.down();
  return { conversations, runs };
}

export interface RecoveryFigures {
  pending: number;
  conversations: number;
  /** Inbound rows stored without a reply when the daemon was killed. */
  unansweredAtKill: number;
  /** From spawning `up --detach` to its return (the gateway ready). */
  upMs: number;
  /** From spawning `up` until every one of the messages has its reply recorded in the store. */
  allRepliedMs: number;
  /** ... and until every reply's outbox row is marked sent (the webhook has no waiting request, so sending is settling nothing). */
  allSentMs: number;
  /** Outbox rows for those messages, and messages with more than one: must be `pending` and 0. */
  replies: number;
  answeredTwice: number;
}

/**
 * `pending` webhook messages (in `conversations` conversations) are accepted, stored and never
 * answered: the provider is a local OpenAI-compatible server that holds every request. Then
 * kill -9, the echo provider in bosun.toml, `up`; the store is polled (a reader connection on
 * bosun.db, every 5 ms) until each message has exactly one reply, sent.
 */
export async function benchRecovery(sb: Sandbox, pending: number, conversations: number): Promise<RecoveryFigures> {
  const port = await freePort();
  const never = new Promise<never>(() => {});
  const provider = await OpenAIServer.start();
  provider.on("held", () => ({ parts: ["never"], holdBefore: 0, hold: never }));
  const db = join(sb.env.BOSUN_HOME!, "bosun.db");
  let reader: DatabaseSync | null = null;
  try {
    sb.writeConfig(
      `[agent]\nprovider = "openai"\nbase_url = "${provider.url}"\nmodel = "held"\n\n` +
        // Each request gets its 504 after 100 ms (the message is stored by then), so the clients finish.
        `[adapters.${NAME}]\nkind = "webhook"\nlisten = "127.0.0.1:${port}"\nsecret = "${SECRET}"\nreply_timeout_ms = 100\n`,
    );
    const { pid } = sb.up();
    progress(`turns: recovery, storing ${pending} messages the provider never answers`);
    const filled = await load(`http://127.0.0.1:${port}/`, "pending", pending, 50, conversations);
    // Every request must have timed out waiting (504): stored, not answered.
    const unexpected = filled.errorSamples?.find((e) => !e.startsWith("HTTP 504"));
    if (unexpected) throw new Error(`filling the store: ${unexpected}`);
    reader = new DatabaseSync(db, { readOnly: true });
    const count = (sql: string) => (reader!.prepare(sql).get() as { n: number }).n;
    await until("all messages stored", () => count(`SELECT COUNT(*) AS n FROM inbox WHERE adapter = '${NAME}'`) === pending, 10_000, 5);
    process.kill(pid, "SIGKILL");
    await until("the killed daemon gone", () => !alive(pid), 5_000, 5);
    sb.pid = null;
    const unansweredAtKill = count(`SELECT COUNT(*) AS n FROM inbox WHERE adapter = '${NAME}' AND replied_at IS NULL`);
    if (unansweredAtKill !== pending) throw new Error(`${pending - unansweredAtKill} messages were answered before the kill; the provider should hold them all`);

    sb.writeConfig(renderConfig(webhookOnly(port)));
    progress("turns: recovery, kill -9 done; up with the echo provider");
    const t0 = performance.now();
    const { ms: upMs } = sb.up();
    let allRepliedMs = 0;
    await until("all messages answered", () => {
      const done = count(`SELECT COUNT(*) AS n FROM inbox WHERE adapter = '${NAME}' AND replied_at IS NOT NULL`) === pending;
      if (done && !allRepliedMs) allRepliedMs = performance.now() - t0;
      return done;
    }, 60_000, 5);
    await until("all replies sent", () => count(`SELECT COUNT(*) AS n FROM outbox WHERE adapter = '${NAME}' AND state = 'sent'`) >= pending, 60_000, 5);
    const allSentMs = performance.now() - t0;
    // Let a duplicate show if there were going to be one, then count.
    await sleep(200);
    const replies = count(`SELECT COUNT(*) AS n FROM outbox WHERE adapter = '${NAME}'`);
    const answeredTwice = count(`SELECT COUNT(*) AS n FROM (SELECT reply_to FROM outbox WHERE adapter = '${NAME}' GROUP BY conversation, reply_to HAVING COUNT(*) > 1)`);
    sb.down();
    return { pending, conversations, unansweredAtKill, upMs: round(upMs), allRepliedMs: round(allRepliedMs), allSentMs: round(allSentMs), replies, answeredTwice };
  } finally {
    reader?.close();
    await provider.close();
  }
}

export interface RssFigures {
  sessionsPerPhase: number;
  messagesPerSession: number;
  /** VmRSS after start, after the first phase and after the second (new sessions: 2 x sessionsPerPhase seen in all). */
  rssMb: { start: number; afterFirst: number; afterSecond: number };
  /** VmHWM after each phase: the highest RSS so far (during the load, before the gateway collected). */
  peakMb: number[];
  growthMb: number;
  /** RssAnon / RssFile / RssShmem (MB) after each phase: heap and allocator vs mapped files (the binary, the WAL index). */
  split: Array<{ anon: number; file: number; shmem: number }>;
  phases: Array<LoadFigures & { daemonCpuMsPerMessage: number }>;
  meetsTarget: boolean;
}

/**
 * `sessions` conversations x `each` messages, at concurrency 32, requests round robin over the
 * conversations; VmRSS after it; then the same again over as many new conversations (memory must
 * not grow with the conversations ever seen), and VmRSS again. Read 4 s after each phase: what
 * the phase left to a timer (count refresh, outbox marks) is done, and the gateway's collection
 * after a burst (1.5 s of quiet, checked every 2 s) has run. The peak during the load is VmHWM.
 */
export async function benchRss(sb: Sandbox, sessions: number, each: number): Promise<RssFigures> {
  const port = await freePort();
  sb.writeConfig(renderConfig(webhookOnly(port)));
  const { pid } = sb.up();
  const url = `http://127.0.0.1:${port}/`;
  const start = round(rssMb(pid));
  const phases = [];
  const after: number[] = [];
  const split: RssFigures["split"] = [];
  const peak: number[] = [];
  for (const label of ["first", "second"]) {
    progress(`turns: rss, ${sessions * each} messages over ${sessions} ${label === "first" ? "" : "new "}conversations`);
    const r = await withCpu(pid, () => load(url, label, sessions * each, 32, sessions));
    failIfErrors(`rss ${label}`, r);
    phases.push(r);
    peak.push(hwmMb(pid));
    await sleep(4_000);
    after.push(round(rssMb(pid)));
    split.push(rssSplit(pid));
  }
  sb.down();
  const growthMb = round(after[1]! - after[0]!);
  return {
    sessionsPerPhase: sessions,
    messagesPerSession: each,
    rssMb: { start, afterFirst: after[0]!, afterSecond: after[1]! },
    peakMb: peak,
    growthMb,
    split,
    phases,
    meetsTarget: after[0]! < 100 && after[1]! < 100 && growthMb < 5,
  };
}

function hwmMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return round(Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN) / 1024);
}

function rssSplit(pid: number): { anon: number; file: number; shmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mb = (field: string) => round(Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? NaN) / 1024);
  return { anon: mb("RssAnon"), file: mb("RssFile"), shmem: mb("RssShmem") };
}

/** Whether `pid` runs (a zombie left for its parent to reap counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
