// Shared by the exactly-once and history e2e tests: a sandboxed real binary talking to the local
// Telegram Bot API server, a webhook client and the local OpenAI-compatible server.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../../src/core/util/process.ts";
import type { Sandbox } from "../helpers/bosun.ts";
import type { SeenRequest } from "../helpers/openai-server.ts";
import type { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";

export const WEBHOOK_SECRET = "exactly-once-secret-0123456789";

/** The last user message of a chat completions request (what the echo scripts answer). */
export function lastUser(r: SeenRequest): string {
  const messages: Array<{ role?: string; content?: unknown }> = Array.isArray(r.body.messages) ? r.body.messages : [];
  const m = messages.findLast((x) => x.role === "user");
  return typeof m?.content === "string" ? m.content : "";
}

/** [agent] on the local OpenAI-compatible server, plus fast [gateway] timings. */
export function agentToml(aiUrl: string, opts: { model?: string; agent?: string; gateway?: string } = {}): string {
  return (
    `[agent]\nprovider = "openai"\nbase_url = "${aiUrl}"\nmodel = "${opts.model ?? "m"}"\napi_key = "sk-test-key"\ntimeout_ms = 20000\n${opts.agent ?? ""}\n` +
    `[gateway]\nshutdown_timeout_ms = 3000\nheartbeat_ms = 200\noutbox_retry_ms = 50\n${opts.gateway ?? ""}\n`
  );
}

/** A telegram adapter on the test server, with short supervision timings. */
export function telegramToml(tg: TelegramTestServer, name = "tg"): string {
  return `[adapters.${name}]\nkind = "telegram"\ntoken = "${tg.token}"\napi_root = "${tg.url}"\npoll_timeout_s = 1\nbackoff_initial_ms = 50\nbackoff_max_ms = 200\nhealthy_after_ms = 200\n`;
}

export function webhookToml(port: number, name = "hook"): string {
  return `[adapters.${name}]\nkind = "webhook"\nlisten = "127.0.0.1:${port}"\nsecret = "${WEBHOOK_SECRET}"\nreply_timeout_ms = 20000\n`;
}

/**
 * `bosun up --detach`, failing the test when it does not report success; with `adapterDown`
 * the expected outcome is the gateway running while its adapter retries (exit 1, said so).
 */
export async function upDetached(sb: Sandbox, opts: { adapterDown?: boolean } = {}): Promise<void> {
  const r = await sb.runAsync(["up", "--detach"], { timeoutMs: 30_000 });
  if (opts.adapterDown && r.code === 1 && /gateway running in the background .* but its only adapter is not running/.test(r.stderr + r.stdout)) return;
  if (r.code !== 0) throw new Error(`bosun up --detach exited ${r.code}:\n${r.stderr}${r.stdout}`);
}

export async function down(sb: Sandbox): Promise<void> {
  const r = await sb.runAsync(["down"], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`bosun down exited ${r.code}:\n${r.stderr}${r.stdout}`);
}

export interface StatusJson {
  gateway: { state: string };
  adapters: Array<{ name: string; state: string }>;
  sessions: { total: number; active: number; errored: number };
  outbox: { pending: number; dead: number };
}

/** `bosun status --json` of the sandbox (async: the test servers live in this process). */
export async function status(sb: Sandbox): Promise<StatusJson> {
  const r = await sb.runAsync(["status", "--json"]);
  try {
    return JSON.parse(r.stdout) as StatusJson;
  } catch {
    throw new Error(`status --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Wait until `bosun status --json` satisfies `pred`; returns that status. */
export async function statusUntil(sb: Sandbox, pred: (s: StatusJson) => boolean, what: string, timeoutMs = 15_000): Promise<StatusJson> {
  let last: StatusJson | null = null;
  return waitUntil(
    async () => {
      last = await status(sb);
      return pred(last) ? last : null;
    },
    () => `${what}; last status: ${JSON.stringify(last && { adapters: last.adapters, sessions: last.sessions, outbox: last.outbox })}`,
    timeoutMs,
    50,
  );
}

/** kill -9 the detached gateway and wait until it is gone. */
export async function kill9(sb: Sandbox): Promise<number> {
  const pid = JSON.parse(readFileSync(join(sb.home, "run", "gateway.json"), "utf8")).pid as number;
  process.kill(pid, "SIGKILL");
  await waitUntil(() => !processAlive(pid, null), `pid ${pid} to exit`, 10_000, 20);
  return pid;
}

export function logText(sb: Sandbox): string {
  return readFileSync(join(sb.home, "logs", "bosun.log"), "utf8");
}

export interface WebhookAnswer {
  status: number;
  body: { session?: string; reply?: string | null; error?: unknown } | null;
}

/** One signed webhook POST; resolves with its answer, or null when the connection broke (the gateway died). */
export async function postWebhook(port: number, msg: { id: string; conversation: string; text: string; user?: string }, signal?: AbortSignal): Promise<WebhookAnswer | null> {
  const body = JSON.stringify({ user: "ada", ...msg });
  const sig = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body, headers: { "content-type": "application/json", "x-bosun-signature": sig }, signal });
    const text = await res.text();
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  } catch {
    return null;
  }
}

/** A promise with its resolve, for holding the test server's answers. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Counts of the values of `xs`. */
export function tally(xs: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}
