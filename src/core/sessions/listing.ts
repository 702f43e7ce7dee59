import type { Clock } from "../util/clock.ts";
import type { SessionDetail, SessionInfo, SessionPage, SessionQuery, SessionStore } from "./store.ts";

/** Semantics §4's constants. */
export const LIST_TTL_MS = 35_000;
export const ENRICH_DEADLINE_MS = 3_000;
export const ENRICH_COOLDOWN_MS = 15_000;
/** Sessions looked up at once by one refresh (a platform is not asked 100,000 times in a burst). */
const ENRICH_CONCURRENCY = 8;
/** Sessions without a title that one refresh looks up at most. */
const ENRICH_PER_REFRESH = 50;

/** What enrichment may find out about one session from its platform. */
export interface Enrichment {
  title?: string;
}

/** Looks a session up on its platform (a title, a display name); null when the platform cannot. */
export type Enricher = (session: SessionInfo, signal: AbortSignal) => Promise<Enrichment | null>;

interface CacheEntry {
  page: SessionPage;
  at: number;
  gen: number;
}

/**
 * The session reads of semantics §4. `listStored` is the store's (metadata, never a network
 * call). `listCached` is stale-while-revalidate over it: a fresh page is returned as is, a stale
 * one is returned and refreshed in the background, a cold query gets the stored page at once and
 * a refresh in the background; a generation counter keeps an older refresh from overwriting a
 * newer one. `get` waits for one session's enrichment, at most ENRICH_DEADLINE_MS. Enrichment is
 * bounded per session: concurrent callers share one lookup, a lookup that timed out puts the
 * session on a cooldown (skipped for ENRICH_COOLDOWN_MS), and what it finds is stored.
 */
export class SessionListing {
  #cache = new Map<string, CacheEntry>();
  #gen = 0;
  /** Pages of generations up to this one are void (see invalidate). */
  #voidUpTo = 0;
  #inflight = new Map<string, Promise<Enrichment | null>>();
  #cooldown = new Map<string, number>();
  constructor(
    private readonly store: SessionStore,
    private readonly enrich: Enricher,
    private readonly clock: Clock,
  ) {}

  listStored(q: SessionQuery = {}): Promise<SessionPage> {
    return this.store.listStored(q);
  }

  async listCached(q: SessionQuery = {}): Promise<SessionPage> {
    const k = JSON.stringify([q.adapter ?? null, q.state ?? null, q.limit ?? null, q.cursor ?? null]);
    const hit = this.#cache.get(k);
    const now = this.clock.now();
    if (hit && now - hit.at < LIST_TTL_MS) return hit.page;
    const gen = ++this.#gen;
    if (hit) {
      void this.#refresh(k, q, gen);
      return hit.page;
    }
    const page = await this.store.listStored(q);
    this.#put(k, page, gen);
    void this.#refresh(k, q, gen);
    return page;
  }

  /** One session with its transcript, enriched within the deadline (what the lookup did not find in time is left out). */
  async get(idOrKey: string): Promise<SessionDetail | null> {
    const s = await this.store.session(idOrKey);
    if (!s || s.title) return s;
    const found = await this.#enrichOne(s, ENRICH_DEADLINE_MS);
    return found?.title ? { ...s, title: found.title } : s;
  }

  /**
   * Forget every cached page, and any refresh already under way: after the gateway changed a
   * session (reset, stop, start), the next listing reads the store instead of showing the old
   * state for up to a TTL.
   */
  invalidate(): void {
    this.#cache.clear();
    this.#voidUpTo = ++this.#gen;
  }

  /** Cached pages (bounded: a new query beyond 100 drops the oldest). */
  get size(): number {
    return this.#cache.size;
  }

  #put(k: string, page: SessionPage, gen: number): void {
    const cur = this.#cache.get(k);
    if (gen <= this.#voidUpTo || (cur && cur.gen > gen)) return;
    this.#cache.delete(k);
    this.#cache.set(k, { page, at: this.clock.now(), gen });
    while (this.#cache.size > 100) this.#cache.delete(this.#cache.keys().next().value!);
  }

  async #refresh(k: string, q: SessionQuery, gen: number): Promise<void> {
    // Refreshes of one key may overlap (a stalled lookup must not keep a newer page out); they
    // share the per-session lookups, and the generation decides which page stays.
    try {
      const page = await this.store.listStored(q);
      const untitled = page.sessions.filter((s) => !s.title).slice(0, ENRICH_PER_REFRESH);
      for (let i = 0; i < untitled.length; i += ENRICH_CONCURRENCY) {
        await Promise.all(untitled.slice(i, i + ENRICH_CONCURRENCY).map((s) => this.#enrichOne(s, ENRICH_DEADLINE_MS)));
      }
      this.#put(k, untitled.length > 0 ? await this.store.listStored(q) : page, gen);
    } catch {
      // A failed refresh leaves the cache as it was; the next stale read tries again.
    }
  }

  /** Put a session on the cooldown; expired entries are dropped so the map stays small. */
  #cool(key: string): void {
    const now = this.clock.now();
    if (this.#cooldown.size > 10_000) for (const [k, until] of this.#cooldown) if (until <= now) this.#cooldown.delete(k);
    this.#cooldown.set(key, now + ENRICH_COOLDOWN_MS);
  }

  /** One shared, deadline-bounded lookup per session; a timeout starts the cooldown. */
  #enrichOne(s: SessionInfo, deadlineMs: number): Promise<Enrichment | null> {
    const until = this.#cooldown.get(s.key);
    if (until !== undefined) {
      if (this.clock.now() < until) return Promise.resolve(null);
      this.#cooldown.delete(s.key);
    }
    let p = this.#inflight.get(s.key);
    if (!p) {
      const ctl = new AbortController();
      // A lookup that throws at once is a failed lookup too, not a failed read.
      const lookup = Promise.resolve().then(() => this.enrich(s, ctl.signal)).then(
        async (found) => {
          if (found?.title) await this.store.setTitle(s.key, found.title);
          return found;
        },
        () => null,
      );
      const timer = new AbortController();
      p = Promise.race([
        lookup,
        this.clock.sleep(deadlineMs, timer.signal).then(() => {
          if (timer.signal.aborted) return null;
          ctl.abort();
          this.#cool(s.key);
          return null;
        }),
      ]).finally(() => {
        timer.abort();
        this.#inflight.delete(s.key);
      });
      this.#inflight.set(s.key, p);
    }
    return p;
  }
}
