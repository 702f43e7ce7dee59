// Shared by the integrations e2e tests: [integrations] tables for the real binary, reads of
// `bosun integrations` and `sessions show`, what a recorded model request offered, and MCP child
// processes found by their command line.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { IntegrationsReport, SourceReport, ToolReport } from "../../src/core/integrations/types.ts";
import type { Sandbox } from "../helpers/bosun.ts";
import type { SeenRequest } from "../helpers/openai-server.ts";
import { waitUntil } from "../helpers/wait.ts";

export const REPO = resolve(import.meta.dir, "../..");
export const FIXTURE = resolve(REPO, "test/fixtures/mcp-fixture.mjs");
export const FILESYSTEM_SERVER = resolve(REPO, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");

const q = (s: string) => JSON.stringify(s);

/** One [integrations.mcp.NAME] stdio table with short supervision timings; `more` is extra TOML lines. */
export function mcpToml(name: string, command: string[], opts: { env?: Record<string, string>; more?: string } = {}): string {
  const env = opts.env ? `env = { ${Object.entries(opts.env).map(([k, v]) => `${k} = ${q(v)}`).join(", ")} }\n` : "";
  return (
    `[integrations.mcp.${name}]\ncommand = [${command.map(q).join(", ")}]\n${env}` +
    `backoff_initial_ms = 50\nbackoff_max_ms = 150\nhealthy_after_ms = 200\nstart_timeout_ms = 10000\nstop_timeout_ms = 1000\n${opts.more ?? ""}\n`
  );
}

/** The SDK fixture server as an [integrations.mcp.NAME] table. */
export function fixtureToml(name: string, env: Record<string, string> = {}, more = ""): string {
  return mcpToml(name, ["node", FIXTURE], { env, more });
}

/** `bosun integrations [...] --json`, parsed (fails the test with what it printed otherwise). */
export async function integrationsJson<T = IntegrationsReport>(sb: Sandbox, ...args: string[]): Promise<T> {
  const r = await sb.runAsync(["integrations", ...args, "--json"], { timeoutMs: 30_000 });
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`bosun integrations ${args.join(" ")} --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

export const toolsJson = (sb: Sandbox, source?: string) => integrationsJson<ToolReport[]>(sb, "tools", ...(source ? [source] : []));

/** Poll `bosun integrations --json` until the named row satisfies `pred`; returns that row. */
export async function rowUntil(sb: Sandbox, name: string, pred: (r: SourceReport) => boolean, what: string, timeoutMs = 15_000): Promise<SourceReport> {
  let last: SourceReport | undefined;
  return waitUntil(
    async () => {
      last = (await integrationsJson(sb)).sources.find((s) => s.name === name);
      return last && pred(last) ? last : null;
    },
    () => `${what}; last row: ${JSON.stringify(last)}`,
    timeoutMs,
    50,
  );
}

/** The function names a recorded chat completions request offered. */
export function offeredNames(r: SeenRequest): string[] {
  const tools: Array<{ function?: { name?: string } }> = Array.isArray(r.body.tools) ? r.body.tools : [];
  return tools.map((t) => String(t.function?.name));
}

export type Msg = { role: string; content?: unknown; tool_call_id?: string; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> };

export function messages(r: SeenRequest): Msg[] {
  return Array.isArray(r.body.messages) ? r.body.messages : [];
}

/** The request's last message when it is a tool result (the follow-up after a call), else null. */
export function lastTool(r: SeenRequest): Msg | null {
  const m = messages(r).at(-1);
  return m?.role === "tool" ? m : null;
}

export interface ShownMessage {
  role: "user" | "assistant" | "tool";
  content: string;
  tool?: { name: string; source: string | null; arguments: string; result: string; isError: boolean };
}

/** `bosun sessions show KEY --json`'s messages. */
export async function shownMessages(sb: Sandbox, key: string): Promise<ShownMessage[]> {
  const r = await sb.runAsync(["sessions", "show", key, "--json"]);
  try {
    return (JSON.parse(r.stdout) as { messages: ShownMessage[] }).messages;
  } catch {
    throw new Error(`sessions show ${key} --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Pids of live processes whose command line contains every one of `parts` (MCP children of the gateway). */
export function pidsWith(...parts: string[]): number[] {
  const found: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\u0000", " ");
      // A zombie has an empty command line and is gone for our purposes.
    } catch {
      continue;
    }
    if (parts.every((p) => cmd.includes(p))) found.push(Number(d));
  }
  return found;
}

/** A pid from a FIXTURE_PID_FILE, once the fixture wrote it (and it differs from `not`). */
export function pidFrom(file: string, not?: number): Promise<number> {
  return waitUntil(
    () => {
      try {
        const pid = Number(readFileSync(file, "utf8"));
        return pid > 0 && pid !== not ? pid : null;
      } catch {
        return null;
      }
    },
    `a pid in ${file}`,
    15_000,
    20,
  );
}

/** Whether a pid is a live process (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
