// The session listing's figures (issue 11): `sessions --json` of the real binary against a running
// gateway with 100,000 stored sessions while every platform lookup (Telegram getChat) stalls, and
// `sessions show` of a 10,000-message session.
import { mkdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { openDatabase } from "../src/core/db.ts";
import { SqliteSessionStore } from "../src/core/sessions/sqlite-store.ts";
import { mustRun, percentile, progress, round, summary } from "./lib.ts";
import type { Sandbox } from "./sandbox.ts";

const ADAPTER = "tg";
const STALL_SERVER = resolve(import.meta.dir, "telegram-stall.ts");
/** Writes handed to the store at once (its group commit makes each batch one transaction). */
const BATCH = 2_000;

/** {p50, p99, max} of a sample of milliseconds. */
function tail(values: number[]) {
  return { p50Ms: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)), maxMs: round(Math.max(...values)), runs: values.length };
}

/** Store `turns` answered turns (user message, reply, outbox row sent) in conversation `conversationOf(i)`, through the store API. */
async function storeTurns(store: SqliteSessionStore, turns: number, conversationOf: (i: number) => string, tag: string, t0: number): Promise<void> {
  for (let start = 0; start < turns; start += BATCH) {
    const idx = Array.from({ length: Math.min(BATCH, turns - start) }, (_, k) => start + k);
    const inbound = idx.map((i) => ({ id: `${tag}${i}`, conversation: conversationOf(i), user: "bench", text: `message ${i}` }));
    await Promise.all(inbound.map((m, k) => store.accept(ADAPTER, m, t0 + idx[k]!)));
    const rows = await Promise.all(
      inbound.map((m, k) =>
        store.recordTurn({ adapter: ADAPTER, inbound: m, receivedAt: t0 + idx[k]!, reply: { text: `answer ${idx[k]}`, error: null }, model: "echo", usage: { in: 12, out: 8 }, inContext: true, state: "idle", at: t0 + idx[k]! + 1 }),
      ),
    );
    await Promise.all(rows.map((r) => (r ? store.markSent(r.id, t0 + 2) : undefined)));
  }
}

/** GET `path` on the control socket with the bearer token: the server's side of a CLI call, without the process start. */
function socketGet(socketPath: string, token: string, path: string): Promise<{ ms: number; status: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** bench/telegram-stall.ts in its own process: its URL and token, and a stop that returns its getChat count. */
async function startStallServer(): Promise<{ url: string; token: string; stop: () => Promise<number> }> {
  const proc = Bun.spawn([process.execPath, STALL_SERVER], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const line = async () => {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the Telegram server exited (code ${await proc.exited})`);
      text += decoder.decode(value);
    }
    const [first, ...rest] = text.split("\n");
    text = rest.join("\n");
    return first!.trim();
  };
  const deadline = setTimeout(() => proc.kill(), 15_000);
  const [url, token] = (await line().finally(() => clearTimeout(deadline))).split(" ");
  return {
    url: url!,
    token: token!,
    stop: async () => {
      proc.kill("SIGTERM");
      const n = Number(/^getChat (\d+)$/.exec(await line().catch(() => ""))?.[1] ?? NaN);
      await proc.exited;
      return n;
    },
  };
}

export interface SessionsFigures {
  storedSessions: number;
  fillS: number;
  dbMb: number;
  /** `dist/bosun sessions --json` (50 sessions a page) while every getChat stalls: wall ms per spawn. */
  lsJson: ReturnType<typeof tail> & { firstMs: number };
  /** The same request over the control socket from this process: the gateway's share of `lsJson`. */
  lsSocket: ReturnType<typeof tail>;
  /** `--fresh` (straight from the store, no cache). */
  lsFreshJson: ReturnType<typeof tail>;
  /** `dist/bosun --version`: what any CLI spawn costs before it does anything. */
  versionMs: ReturnType<typeof summary>;
  /** `sessions show ID --json` of the 10,000-message session (titled, so nothing waits for a lookup). */
  show: ReturnType<typeof tail> & { messages: number; transcriptShown: number };
  /** `sessions show` of an untitled session while its lookup stalls: the 3 s deadline, then the cooldown. */
  showStalled: { firstMs: number; duringCooldownMs: number };
  getChatRequests: number;
}

/** Fill the home's bosun.db before `up`, start the gateway with a Telegram adapter whose getChat never answers, and time the reads. */
export async function benchSessions(sb: Sandbox, bin: string, sessions: number, runs: number, bigMessages: number): Promise<SessionsFigures> {
  const server = await startStallServer();
  let getChatRequests = NaN;
  try {
    const home = sb.env.BOSUN_HOME!;
    mkdirSync(home, { recursive: true });
    const dbPath = join(home, "bosun.db");
    progress(`sessions: storing ${sessions} sessions and one of ${bigMessages} messages in ${dbPath}`);
    const fill0 = performance.now();
    const db = openDatabase(dbPath);
    const store = new SqliteSessionStore(db);
    const t0 = Date.now() - 86_400_000;
    await storeTurns(store, sessions - 1, (i) => String(1_000_000 + i), "s", t0);
    await storeTurns(store, bigMessages / 2, () => "-100200300", "big", t0);
    await store.setTitle(`${ADAPTER}:-100200300`, "Bench group");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const fillS = round((performance.now() - fill0) / 1000);
    const dbMb = round(readFileSync(dbPath).length / 1024 / 1024);

    sb.writeConfig(
      ['[agent]\nprovider = "echo"\n', `[adapters.${ADAPTER}]`, 'kind = "telegram"', `token = "${server.token}"`, `api_root = "${server.url}"`, "poll_timeout_s = 1", ""].join("\n"),
    );
    sb.up();
    const token = readFileSync(join(home, "run", "token"), "utf8").trim();
    const socketPath = join(home, "run", "bosun.sock");

    progress(`sessions: sessions --json x${runs} while getChat stalls`);
    const ls: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = mustRun(bin, ["sessions", "--json"], sb.opts);
      const page = JSON.parse(r.stdout) as { sessions?: unknown[] };
      if (page.sessions?.length !== 50) throw new Error(`sessions --json listed ${page.sessions?.length} sessions, not 50`);
      ls.push(r.ms);
    }
    const socket: number[] = [];
    for (let i = 0; i < runs * 5; i++) {
      const r = await socketGet(socketPath, token, "/v1/sessions");
      if (r.status !== 200) throw new Error(`GET /v1/sessions answered ${r.status}: ${r.body.slice(0, 200)}`);
      socket.push(r.ms);
    }
    const fresh = Array.from({ length: runs }, () => mustRun(bin, ["sessions", "--json", "--fresh"], sb.opts).ms);
    const version = Array.from({ length: runs }, () => mustRun(bin, ["--version"], sb.opts).ms);

    progress(`sessions: sessions show of the ${bigMessages}-message session x${runs}`);
    const show: number[] = [];
    let shown = 0;
    let messages = 0;
    for (let i = 0; i < runs; i++) {
      const r = mustRun(bin, ["sessions", "show", `${ADAPTER}:-100200300`, "--json"], sb.opts);
      const d = JSON.parse(r.stdout) as { messages?: unknown[]; messageCount?: number };
      shown = d.messages?.length ?? 0;
      messages = d.messageCount ?? 0;
      show.push(r.ms);
    }
    // A session nobody looked up yet (the listing refreshes only the newest page's).
    const untitled = `${ADAPTER}:${1_000_000 + 10}`;
    const stalled = mustRun(bin, ["sessions", "show", untitled, "--json"], sb.opts).ms;
    const cooled = mustRun(bin, ["sessions", "show", untitled, "--json"], sb.opts).ms;
    sb.down();
    getChatRequests = await server.stop();
    return {
      storedSessions: sessions,
      fillS,
      dbMb,
      lsJson: { ...tail(ls), firstMs: round(ls[0]!) },
      lsSocket: tail(socket),
      lsFreshJson: tail(fresh),
      versionMs: summary(version),
      show: { ...tail(show), messages, transcriptShown: shown },
      showStalled: { firstMs: round(stalled), duringCooldownMs: round(cooled) },
      getChatRequests,
    };
  } finally {
    if (Number.isNaN(getChatRequests)) await server.stop();
  }
}
