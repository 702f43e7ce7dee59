import type { CacheEntry } from "./cache.ts";
import { NOT_LISTED, type Slot } from "./slot.ts";
import type { Offer } from "./offer.ts";
import type { SourceReport, ToolNote, ToolNoteCode, ToolReport } from "./types.ts";

const WORDS: Record<Exclude<ToolNoteCode, "renamed">, string> = {
  source_down: "source down",
  unavailable: "unavailable",
  not_connected: "not connected",
  not_allowed: "not in allow",
  denied: "denied",
  schema_rejected: "schema rejected",
  over_limit: "over the tool limit",
};

/** One line on what a row's tools lack: "2 of 14 not offered: 1 denied, 1 schema rejected; 1 renamed". Null when all are offered as they are. */
export function summarise(reports: readonly ToolReport[]): string | null {
  const missing = reports.filter((r) => r.offeredAs === null);
  const renamed = reports.filter((r) => r.notes.some((n) => n.code === "renamed")).length;
  const parts: string[] = [];
  if (missing.length > 0) {
    const counts = new Map<string, number>();
    for (const r of missing) {
      const first = r.notes.find((n) => n.code !== "renamed");
      if (first) counts.set(WORDS[first.code], (counts.get(WORDS[first.code]) ?? 0) + 1);
    }
    // In the table's order, whatever order the tools came in.
    const listed = Object.values(WORDS).filter((w) => counts.has(w));
    parts.push(`${missing.length} of ${reports.length} not offered: ${listed.map((w) => `${counts.get(w)} ${w}`).join(", ")}`);
  }
  if (renamed > 0) parts.push(`${renamed} renamed`);
  return parts.length ? parts.join("; ") : null;
}

type RowState = SourceReport["state"];

/**
 * The rows of one source for `bosun integrations`: one for an MCP server, one per toolkit for
 * Composio (configured ones; every connected one when the config names none).
 */
export function sourceRows(s: Slot, entry: CacheEntry | undefined, age: number | null, offer: Offer, blocked: ToolNote | null): SourceReport[] {
  const h = s.source.health();
  const mine = offer.reports.filter((r) => r.source === s.source.name);
  const base = { restarts: h.restarts, lastError: h.lastError ?? s.listError };
  if (s.source.kind === "mcp") {
    const state: RowState = h.state === "running" ? (!blocked ? "ok" : blocked.message === NOT_LISTED ? "starting" : "unavailable") : h.state === "unavailable" ? "unavailable" : h.state;
    return [{ name: s.source.name, kind: "mcp", state, tools: mine.length, offered: mine.filter((r) => r.offeredAs !== null).length, cacheAgeMs: age, reason: blocked?.message ?? summarise(mine), ...base }];
  }
  const toolkits = s.toolkits.length > 0 ? s.toolkits : [...new Set([...(entry?.active ?? []), ...(s.connections ?? []).filter((c) => c.active).map((c) => c.toolkit)])].sort();
  if (toolkits.length === 0) {
    const reason = blocked?.message ?? "no toolkit is connected at Composio for this user: `bosun integrations connect TOOLKIT`";
    return [{ name: "composio", kind: "composio", state: blocked ? "unavailable" : "not_connected", tools: 0, offered: 0, cacheAgeMs: age, reason, ...base }];
  }
  return toolkits.map((t): SourceReport => {
    const reports = mine.filter((r) => r.toolkit === t);
    const row = { name: `composio:${t}`, kind: "composio" as const, tools: reports.length, offered: reports.filter((r) => r.offeredAs !== null).length, cacheAgeMs: age, ...base };
    if (entry?.active?.has(t)) return { ...row, state: "ok", reason: summarise(reports) };
    const conn = s.connections?.find((c) => c.toolkit === t);
    if (blocked && !entry && blocked.message !== NOT_LISTED) return { ...row, state: "unavailable", reason: blocked.message };
    if (!s.connections || (!entry && conn?.active)) return { ...row, state: "starting", reason: NOT_LISTED };
    const status = conn?.status ? ` (its account is ${conn.status})` : " (no account)";
    return { ...row, state: "not_connected", reason: `not connected at Composio${status}: run \`bosun integrations connect ${t}\`` };
  });
}
