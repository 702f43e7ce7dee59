import { activeSet, type CacheEntry } from "./cache.ts";
import { ToolFilter } from "./filters.ts";
import type { SourceTool, ToolkitConnection, ToolNote, ToolSource } from "./types.ts";
import { MAX_SCHEMA_CHARS, oversize } from "./validate.ts";

// One configured source as the hub keeps it, and what can be said of it without the hub's state.

/** Why a source with no cache entry offers nothing although nothing failed. */
export const NOT_LISTED = "not listed yet (a listing is under way)";

/** One configured source and what the hub knows of it. */
export interface Slot {
  source: ToolSource;
  /** The cache key: kind, name and the config's fingerprint (semantics §6: per config identity). */
  key: string;
  fingerprint: string;
  filter: ToolFilter;
  callTimeoutMs: number;
  /** Tools of the last successful listing, kept while the source is down so reports can say why each is missing. */
  lastKnown: readonly SourceTool[];
  /** Why the last listing failed (null after one that worked). */
  listError: string | null;
  /** clock.monotonic() when the last listing started (turns space their retries after a failure by it). */
  listStartedAt: number;
  /** Composio: the last live connections listing and the configured toolkits. */
  connections: ToolkitConnection[] | null;
  toolkits: readonly string[];
  inflight: Promise<CacheEntry> | null;
  /** The generation the listing under way started in: one from before an invalidation is not joined. */
  inflightGeneration: number;
  /** Bumped by every invalidation: a listing that started before one is returned but not stored. */
  generation: number;
  /** tools/list_changed notifications seen, and the listing they are due (coalesced: one at a time). */
  changes: number;
  relisted: Promise<void> | null;
}

/** A slot for a source just made. */
export function newSlot(source: ToolSource, key: string, fp: string, c: { allow?: string[]; deny?: string[]; call_timeout_ms: number }, table: string, toolkits: readonly string[]): Slot {
  return { source, key, fingerprint: fp, filter: new ToolFilter(c.allow, c.deny, table), callTimeoutMs: c.call_timeout_ms, lastKnown: [], listError: null, listStartedAt: -Infinity, connections: null, toolkits, inflight: null, inflightGeneration: -1, generation: 0, changes: 0, relisted: null };
}

/** Whether a listing can be asked for: an MCP server only while it runs. */
export function listable(s: Slot): boolean {
  return s.source.kind === "composio" || s.source.health().state === "running";
}

/** The active set a Composio entry is compared with: active toolkits, only the configured ones when the config names some. */
export function liveActive(s: Slot, conns: readonly ToolkitConnection[]): Set<string> {
  const live = activeSet(conns);
  if (s.toolkits.length === 0) return live;
  const wanted = new Set(s.toolkits);
  return new Set([...live].filter((t) => wanted.has(t)));
}

/** Why none of a source's tools can be offered now, or null. */
export function blocked(s: Slot, entry: CacheEntry | undefined): ToolNote | null {
  const h = s.source.health();
  if (s.source.kind === "mcp" && h.state !== "running") {
    const is = h.state === "starting" ? "is starting" : `is down (${h.state})`;
    return { code: "source_down", message: `MCP server ${s.source.name} ${is}${h.lastError ? `: ${h.lastError}` : ""}` };
  }
  if (!entry && s.listError) return { code: "unavailable", message: `listing ${s.source.name} failed (nothing cached): ${s.listError}` };
  if (!entry) return { code: "unavailable", message: NOT_LISTED };
  return null;
}

/**
 * A listed tool as the cache keeps it: a schema past the limit is replaced by the sentence saying
 * so (schemaProblem reports it), and a description is cut, so a hostile server's megabytes are
 * not held for the TTL.
 */
export function keepable(t: SourceTool): SourceTool {
  let chars = 0;
  try {
    chars = JSON.stringify(t.inputSchema)?.length ?? 0;
  } catch {
    chars = 0;
  }
  const description = t.description && t.description.length > MAX_KEPT_DESCRIPTION ? t.description.slice(0, MAX_KEPT_DESCRIPTION) : t.description;
  if (chars <= MAX_SCHEMA_CHARS && description === t.description) return t;
  return { ...t, ...(description === undefined ? {} : { description }), ...(chars > MAX_SCHEMA_CHARS ? { inputSchema: oversize(chars) } : {}) };
}
const MAX_KEPT_DESCRIPTION = 4_000;
