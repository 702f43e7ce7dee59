import type { Clock } from "../util/clock.ts";
import type { SourceTool } from "./types.ts";

/**
 * The integrations cache of semantics §6 (seed 000): each source's tool list, keyed by the
 * source's config identity, with the time it was listed. An entry is used for `ttlMs` at most;
 * every listing of connections diffs the live active set against each entry and drops the ones
 * that diverged; events (a connect flow finished, an MCP server restarted) drop an entry directly.
 * A failed listing is never stored (the caller reports it as unavailable); an empty one is.
 */

/** Whether a connection status counts as active: ACTIVE or CONNECTED, trimmed, any case. */
export function isActiveStatus(status: string | null | undefined): boolean {
  const s = (status ?? "").trim().toUpperCase();
  return s === "ACTIVE" || s === "CONNECTED";
}

/** A toolkit slug as the cache compares it: trimmed and lowercased. */
export function normalToolkit(slug: string): string {
  return slug.trim().toLowerCase();
}

/** The active toolkit set of a connections listing (rows that are not active are ignored). */
export function activeSet(connections: Iterable<{ toolkit: string; status: string | null }>): Set<string> {
  const out = new Set<string>();
  for (const c of connections) if (isActiveStatus(c.status)) out.add(normalToolkit(c.toolkit));
  return out;
}

/** A key as log lines show it: the source's part ("composio", "mcp:files"), without the fingerprint. */
const shown = (key: string) => key.split("#", 1)[0]!;

export interface CacheEntry {
  tools: readonly SourceTool[];
  /** The active toolkit set the entry was listed for (Composio); null for a source without connections (MCP). */
  active: ReadonlySet<string> | null;
  /** clock.now() when it was listed. */
  cachedAt: number;
}

/** What one sync found: the entries it dropped, each with what the live set has that it lacked and the reverse. */
export interface Divergence {
  key: string;
  added: string[];
  removed: string[];
}

export class IntegrationsCache {
  #entries = new Map<string, CacheEntry>();
  #clock: Clock;
  #ttlMs: number;
  #log: (line: string) => void;

  /**
   * `log` gets one line per decision (hit and miss at debug level are the caller's business),
   * naming the source, never the key's fingerprint (a hash of the config's secrets among the rest).
   */
  /** `onDrop` hears every entry that leaves (expired, invalidated, diverged, cleared): what was built from it is stale. */
  constructor(clock: Clock, ttlMs: number, log: (line: string) => void, onDrop: () => void = () => {}) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
    this.#log = log;
    this.#onDrop = onDrop;
  }
  #onDrop: () => void;

  set ttlMs(ms: number) {
    this.#ttlMs = ms;
  }

  /** The entry when it is younger than the TTL; an expired one is dropped (and logged). */
  get(key: string): CacheEntry | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    const age = this.#clock.now() - e.cachedAt;
    if (age >= this.#ttlMs || age < 0) {
      this.#entries.delete(key);
      this.#onDrop();
      this.#log(`cache expired for ${shown(key)} (${age} ms old, ttl ${this.#ttlMs} ms)`);
      return undefined;
    }
    return e;
  }

  /** The entry whatever its age (for reports: what was last known), without dropping it. */
  peek(key: string): CacheEntry | undefined {
    return this.#entries.get(key);
  }

  /** Store a successful listing (an empty one too). */
  set(key: string, tools: readonly SourceTool[], active: ReadonlySet<string> | null = null): CacheEntry {
    const e: CacheEntry = { tools, active: active ? new Set(active) : null, cachedAt: this.#clock.now() };
    this.#entries.set(key, e);
    return e;
  }

  /** Drop one entry (an event said it is stale); true when there was one. */
  invalidate(key: string, why: string): boolean {
    const had = this.#entries.delete(key);
    if (had) this.#onDrop();
    if (had) this.#log(`cache invalidated for ${shown(key)}: ${why}`);
    return had;
  }

  /** Drop every entry (`--refresh`). */
  clear(why: string): void {
    if (this.#entries.size > 0) this.#log(`cache cleared (${this.#entries.size} entries): ${why}`);
    const had = this.#entries.size > 0;
    this.#entries.clear();
    if (had) this.#onDrop();
  }

  /** Drop every entry whose key is not in `keep` (sources no longer configured). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of [...this.#entries.keys()]) if (!keep.has(key)) this.#entries.delete(key);
  }

  /**
   * A listing of connections happened: every entry built from an active set (or the ones of
   * `keys`) that differs from `live` is dropped, and logged with the added and removed toolkits.
   * Matching entries are kept. Returns what diverged.
   */
  sync(live: ReadonlySet<string>, keys?: Iterable<string>): Divergence[] {
    const out: Divergence[] = [];
    const candidates = keys ? [...keys] : [...this.#entries.keys()];
    for (const key of candidates) {
      const e = this.#entries.get(key);
      if (!e?.active) continue;
      const added = [...live].filter((t) => !e.active!.has(t)).sort();
      const removed = [...e.active].filter((t) => !live.has(t)).sort();
      if (added.length === 0 && removed.length === 0) continue;
      this.#entries.delete(key);
      this.#onDrop();
      out.push({ key, added, removed });
      this.#log(`cache diverged for ${shown(key)}: added [${added.join(", ")}] removed [${removed.join(", ")}]; invalidated`);
    }
    return out;
  }

  /** Age of an entry in ms, null when there is none. */
  age(key: string): number | null {
    const e = this.#entries.get(key);
    return e ? Math.max(0, this.#clock.now() - e.cachedAt) : null;
  }

  get size(): number {
    return this.#entries.size;
  }
}
