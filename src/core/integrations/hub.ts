import type { ConsolaInstance } from "consola";
import { fingerprint } from "../adapters/fingerprint.ts";
import type { ComposioConfig, IntegrationsConfig, McpServerConfig } from "../config/integrations-schema.ts";
import { BosunError, errorMessage } from "../errors.ts";
import type { ToolCall } from "../providers/types.ts";
import type { Clock } from "../util/clock.ts";
import { IntegrationsCache, type CacheEntry } from "./cache.ts";
import { ToolFilter } from "./filters.ts";
import { buildOffer, type Listing, type Offer } from "./offer.ts";
import { sourceRows } from "./rows.ts";
import { blocked, keepable, listable, liveActive, newSlot, type Slot } from "./slot.ts";
import { runCall } from "./run-call.ts";
import type {
  ComposioSource,
  ConnectStart,
  IntegrationsReport,
  IntegrationsService,
  OfferedTool,
  SourceReport,
  SourceTool,
  ToolBox,
  ToolkitConnection,
  ToolNote,
  ToolReport,
  ToolSource,
  ToolStep,
} from "./types.ts";


/** What an MCP source says when the server sent notifications/tools/list_changed. */
const LIST_CHANGED = "tools/list_changed";
/** A list_changed is followed by a listing this much later (notifications in between join it). */
const RELIST_DELAY_MS = 100;

/** A turn waits this long at most for a source's listing; a slower one is left out of that turn and fills the cache when it answers. */
const LIST_WAIT_MS = 10_000;
/**
 * After a listing failed, turns do not wait for another one for this long (they go on without
 * the source and one listing is tried in the background): a Composio outage must not add a wait
 * to every reply. Nothing is cached meanwhile; `bosun integrations` always asks at once.
 */
const TURN_RETRY_MS = 15_000;

export interface HubDeps {
  log: ConsolaInstance;
  clock: Clock;
  random: () => number;
  env: Record<string, string | undefined>;
  /** Hides the gateway's secrets in what tools return and in what is stored of a call. */
  redact: (text: string) => string;
  /** The rows changed (state, counts, reasons): status and the dashboard follow them. */
  emit?: (rows: SourceReport[]) => void;
  /** A listing stored new tools (the gateway collects its garbage once things are quiet). */
  listed?: () => void;
  mcp: (name: string, config: McpServerConfig, deps: { log: ConsolaInstance; clock: Clock; random: () => number; env: Record<string, string | undefined> }) => ToolSource;
  composio: (config: ComposioConfig, deps: { log: ConsolaInstance; clock: Clock; redact: (text: string) => string }) => ComposioSource;
}


/**
 * The integrations hub: starts and stops the configured sources, owns the cache of semantics §6,
 * builds what the agent is offered (ToolBox) and answers the API's integrations calls
 * (IntegrationsService). Listing connections (a report) syncs the cache with the live active set;
 * a source's change events invalidate its entry directly.
 */
export type { Slot };

export class IntegrationHub implements ToolBox, IntegrationsService {
  #d: HubDeps;
  #log: ConsolaInstance;
  #cache: IntegrationsCache;
  #slots = new Map<string, Slot>();
  #maxTools: number;
  #offer: Offer | null = null;
  #lastRows = "";

  constructor(config: IntegrationsConfig, deps: HubDeps) {
    this.#d = deps;
    this.#log = deps.log.withTag("integrations");
    // The offer is built from the cache: any entry leaving it (an expiry found by any read included) makes it stale.
    this.#cache = new IntegrationsCache(deps.clock, config.cache_ttl_ms, (line) => this.#log.info(line), () => (this.#offer = null));
    this.#maxTools = config.max_tools;
    this.configure(config);
  }

  /** Whether any source is configured (the agent offers no tools and takes its fast path when none is). */
  get empty(): boolean {
    return this.#slots.size === 0;
  }

  /** Apply [integrations] (at start and on reload): sources whose config changed are replaced, removed ones stopped, new ones started. */
  configure(config: IntegrationsConfig): void {
    this.#cache.ttlMs = config.cache_ttl_ms;
    this.#maxTools = config.max_tools;
    const want = new Map<string, { fp: string; filter: ToolFilter; make: () => Slot }>();
    for (const [name, c] of Object.entries(config.mcp)) {
      // The command's order matters (the adapter fingerprint sorts lists), so it goes in joined;
      // allow and deny only choose among the tools, so editing them keeps the server running.
      const { allow: _a, deny: _d, ...identity } = c;
      const fp = fingerprint({ ...identity, command: c.command?.join("\u0000") });
      const table = `[integrations.mcp.${name}]`;
      want.set(name, { fp, filter: new ToolFilter(c.allow, c.deny, table), make: () => newSlot(this.#d.mcp(name, c, this.#sourceDeps()), `mcp:${name}#${fp}`, fp, c, table, []) });
    }
    const cc = config.composio;
    if (cc) {
      const { allow: _a, deny: _d, ...identity } = cc;
      const fp = fingerprint(identity);
      const table = "[integrations.composio]";
      want.set("composio", { fp, filter: new ToolFilter(cc.allow, cc.deny, table), make: () => newSlot(this.#d.composio(cc, { log: this.#d.log, clock: this.#d.clock, redact: this.#d.redact }), `composio#${fp}`, fp, cc, table, cc.toolkits) });
    }
    for (const [name, slot] of [...this.#slots]) {
      const w = want.get(name);
      if (w?.fp === slot.fingerprint) {
        slot.filter = w.filter;
        continue;
      }
      this.#slots.delete(name);
      void slot.source.stop().catch((err) => this.#log.warn(`stopping ${name}: ${errorMessage(err)}`));
    }
    for (const [name, w] of want) {
      if (this.#slots.has(name)) continue;
      const slot = w.make();
      this.#slots.set(name, slot);
      slot.source.onChange((why) => this.#changed(slot, why));
      slot.source.start();
    }
    this.#cache.retain(new Set([...this.#slots.values()].map((s) => s.key)));
    this.#touch();
  }

  /** Stop every source. */
  async stop(): Promise<void> {
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    await Promise.all(slots.map((s) => s.source.stop().catch((err) => this.#log.warn(`stopping ${s.source.name}: ${errorMessage(err)}`))));
  }

  /** Resolves once no MCP server is still on its first start, or after `timeoutMs` (a one-shot CLI report waits for its servers). */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = this.#d.clock.monotonic() + timeoutMs;
    // Only MCP servers start by themselves (Composio is asked when listed), and a server that failed once has said why.
    const starting = (s: Slot) => s.source.kind === "mcp" && s.source.health().state === "starting" && s.source.health().restarts === 0;
    while ([...this.#slots.values()].some(starting) && this.#d.clock.monotonic() < deadline) {
      await this.#d.clock.sleep(50);
    }
  }

  // ---- ToolBox (the agent) ----

  async offered(signal: AbortSignal): Promise<OfferedTool[]> {
    if (this.#slots.size === 0) return [];
    // The first message after `bosun up` should see the tools of a server still starting for the
    // first time (npx may be fetching it): waited for until LIST_WAIT_MS after it began, whichever
    // turn asks; a restarting server is not waited for.
    const firstStartEnds = (s: Slot): number | null => {
      const h = s.source.health();
      if (s.source.kind !== "mcp" || h.state !== "starting" || h.restarts !== 0) return null;
      return Date.parse(h.since) + LIST_WAIT_MS;
    };
    for (;;) {
      const ends = [...this.#slots.values()].map(firstStartEnds).filter((t): t is number => t !== null && t > this.#d.clock.now());
      if (ends.length === 0 || signal.aborted) break;
      await this.#d.clock.sleep(50, signal);
    }
    const now = this.#d.clock.monotonic();
    // Each listing is waited for until LIST_WAIT_MS after it began, however many turns ask: a
    // server that never answers tools/list costs the turns of its first 10 s, not 10 s each.
    let until = now;
    const waits: Array<Promise<unknown>> = [];
    for (const s of this.#slots.values()) {
      // A server that said its list changed: the next model call gets the new list (bounded like any listing).
      if (s.relisted && listable(s)) {
        waits.push(s.relisted);
        until = Math.max(until, now + LIST_WAIT_MS);
        continue;
      }
      if (!listable(s) || this.#cache.get(s.key)) continue;
      if (s.inflight) {
        if (s.listStartedAt + LIST_WAIT_MS > now) {
          waits.push(s.inflight.catch(() => undefined));
          until = Math.max(until, s.listStartedAt + LIST_WAIT_MS);
        }
      } else if (s.listError === null) {
        waits.push(this.#ensure(s).catch(() => undefined));
        until = Math.max(until, now + LIST_WAIT_MS);
      } else if (now - s.listStartedAt >= TURN_RETRY_MS) void this.#ensure(s).catch(() => undefined);
    }
    if (waits.length > 0) {
      const timeout = new AbortController();
      await Promise.race([Promise.all(waits), this.#d.clock.sleep(until - now, AbortSignal.any([signal, timeout.signal]))]);
      timeout.abort();
    }
    return this.#current().offered;
  }

  run(call: ToolCall, offered: readonly OfferedTool[], signal: AbortSignal): Promise<ToolStep> {
    return runCall(call, offered, { slots: this.#slots, clock: this.#d.clock, redact: this.#d.redact, log: this.#log }, signal);
  }

  // ---- IntegrationsService (the API) ----

  async report(opts: { refresh?: boolean; source?: string } = {}): Promise<IntegrationsReport> {
    const only = opts.source === undefined ? null : this.#named(opts.source);
    const slots = only ? [only] : [...this.#slots.values()];
    if (opts.refresh) {
      if (only) this.#invalidate(only, "refresh asked for");
      else this.#cache.clear("refresh asked for");
      for (const s of slots) s.generation++;
    }
    const signal = AbortSignal.timeout(LIST_WAIT_MS * 3);
    await Promise.all(slots.map((s) => this.#listNow(s, signal)));
    this.#touch();
    const offer = this.#current();
    const rows = this.#rows().filter((r) => opts.source === undefined || r.name === opts.source || r.name.startsWith(`${opts.source}:`));
    return { sources: rows, offered: offer.offered.length, maxTools: this.#maxTools, at: new Date(this.#d.clock.now()).toISOString() };
  }

  async tools(source?: string): Promise<ToolReport[]> {
    await this.report(source === undefined ? {} : { source });
    const all = this.#current().reports;
    if (source === undefined) return all;
    const [name, toolkit] = source.split(":", 2) as [string, string | undefined];
    return all.filter((r) => r.source === name && (toolkit === undefined || r.toolkit === toolkit));
  }

  async connect(toolkit: string): Promise<ConnectStart> {
    const c = this.#composio();
    const started = await c.source.connect(toolkit, AbortSignal.timeout(LIST_WAIT_MS * 3));
    this.#invalidate(c, `connect flow for ${toolkit} started`);
    return { toolkit, redirectUrl: started.redirectUrl, accountId: started.accountId };
  }

  async disconnect(toolkit: string): Promise<{ removed: number }> {
    const c = this.#composio();
    const removed = await c.source.disconnect(toolkit, AbortSignal.timeout(LIST_WAIT_MS * 3));
    this.#invalidate(c, `${toolkit} disconnected`);
    return { removed };
  }

  /** The rows as they stand (no network): for status, with fresh cache ages. */
  rows(): SourceReport[] {
    return this.#rows();
  }

  // ---- internals ----

  /** Sources tag their own log lines ("mcp:files", "composio"). */
  #sourceDeps() {
    return { log: this.#d.log, clock: this.#d.clock, random: this.#d.random, env: this.#d.env };
  }

  #composio(): Slot & { source: ComposioSource } {
    const s = this.#slots.get("composio");
    if (!s || s.source.kind !== "composio") throw new BosunError("integration_unknown", "Composio is not configured", { hint: "add [integrations.composio] with api_key and toolkits to bosun.toml" });
    return s as Slot & { source: ComposioSource };
  }

  /** A report's listing: Composio's connections live (then the cache sync), an MCP server's tools when its entry is stale. */
  async #listNow(s: Slot, signal: AbortSignal): Promise<void> {
    try {
      if (s.source.kind === "composio") {
        const conns = await (s.source as ComposioSource).connections(signal);
        // A listing under way began before these connections were seen: let it land, so the sync compares with what it stores.
        if (s.inflight) await s.inflight.catch(() => undefined);
        s.connections = conns;
        this.#cache.sync(liveActive(s, conns), [s.key]);
        if (!this.#cache.get(s.key)) await this.#ensure(s, conns);
        else s.listError = null;
      } else if (listable(s) && !this.#cache.get(s.key)) {
        await this.#ensure(s);
      }
    } catch (err) {
      s.listError = errorMessage(err);
    }
  }

  /** The slot's cache entry, listing the source when there is none (one listing at a time per source). A failure is never cached. */
  #ensure(s: Slot, conns?: ToolkitConnection[]): Promise<CacheEntry> {
    const hit = this.#cache.get(s.key);
    if (hit) return Promise.resolve(hit);
    // A listing that began before the last invalidation may hold what was invalidated: start a fresh one.
    if (s.inflight && s.inflightGeneration === s.generation) return s.inflight;
    return this.#list(s, conns);
  }

  /** Start a listing of the slot's source; it replaces the cache entry when it succeeds (and nothing was invalidated meanwhile). */
  #list(s: Slot, conns?: ToolkitConnection[]): Promise<CacheEntry> {
    const generation = s.generation;
    s.listStartedAt = this.#d.clock.monotonic();
    const run = (async (): Promise<CacheEntry> => {
      const signal = AbortSignal.timeout(LIST_WAIT_MS * 3);
      let tools: SourceTool[];
      let active: Set<string> | null = null;
      if (s.source.kind === "composio") {
        const c = s.source as ComposioSource;
        const connections = conns ?? (await c.connections(signal));
        if (generation === s.generation) s.connections = connections;
        active = liveActive(s, connections);
        tools = active.size === 0 ? [] : await c.toolsOf([...active].sort(), signal);
      } else {
        tools = await s.source.list(signal);
      }
      tools = tools.map(keepable);
      const entry: CacheEntry = { tools, active, cachedAt: this.#d.clock.now() };
      // Listed before an invalidation (or for a source replaced since): good for this caller only.
      const current = generation === s.generation && this.#slots.get(s.source.name) === s;
      if (current) {
        s.lastKnown = tools;
        s.listError = null;
        this.#cache.set(s.key, tools, active);
        this.#log.debug(`listed ${s.source.name}: ${tools.length} tools`);
        // A new listing's garbage (a thousand tool objects) is collected once things are quiet; a report served from the cache made none.
        this.#d.listed?.();
      }
      return entry;
    })();
    s.inflight = run;
    s.inflightGeneration = generation;
    run.then(
      () => this.#touch(),
      (err) => {
        s.listError = errorMessage(err);
        this.#log.warn(`listing ${s.source.name} failed (not cached): ${s.listError}`);
        this.#touch();
      },
    ).finally(() => {
      if (s.inflight === run) s.inflight = null;
    });
    return run;
  }

  #invalidate(s: Slot, why: string): void {
    s.generation++;
    this.#cache.invalidate(s.key, why);
    this.#touch();
  }

  /** A source said its tools changed (restart, down, tools/list_changed, a connect flow). */
  #changed(s: Slot, why: string): void {
    if (this.#slots.get(s.source.name) !== s) return;
    // The server is up and only says its list changed: what it listed stays offered until the new
    // list lands, and a burst of notifications makes one listing at a time, not one each.
    if (why === LIST_CHANGED) return this.#relistSoon(s);
    this.#invalidate(s, why);
    // A server that came back is listed at once, so the next turn and the dashboard see its tools.
    if (s.source.kind === "mcp" && listable(s)) void this.#ensure(s).catch(() => undefined);
  }

  /** List again after RELIST_DELAY_MS, and once more after that while notifications kept coming. */
  #relistSoon(s: Slot): void {
    s.changes++;
    if (s.relisted) return;
    let done!: () => void;
    s.relisted = new Promise<void>((r) => (done = r));
    const again = async (): Promise<void> => {
      const seen = s.changes;
      if (s.inflight) await s.inflight.catch(() => undefined);
      if (this.#slots.get(s.source.name) === s && listable(s)) await this.#list(s).catch(() => undefined);
      // Whoever waited has a list as new as the notifications before it; a flood goes on in the
      // background without holding model calls for longer than one listing.
      const finished = done;
      if (s.changes !== seen && this.#slots.get(s.source.name) === s) {
        s.relisted = new Promise<void>((r) => (done = r));
        this.#d.clock.after(RELIST_DELAY_MS, () => void again());
      } else s.relisted = null;
      finished();
    };
    this.#d.clock.after(RELIST_DELAY_MS, () => void again());
  }

  /** Something changed: the offer is built again when next asked for, and the rows are sent when they differ. */
  #touch(): void {
    this.#offer = null;
    if (!this.#d.emit) return;
    const rows = this.#rows();
    const text = JSON.stringify(rows.map(({ cacheAgeMs: _a, ...r }) => r));
    if (text === this.#lastRows) return;
    this.#lastRows = text;
    this.#d.emit(rows);
  }

  #current(): Offer {
    this.#offer ??= buildOffer([...this.#slots.values()].map((s) => this.#listing(s)), this.#maxTools);
    return this.#offer;
  }

  #listing(s: Slot): Listing {
    const entry = this.#cache.peek(s.key);
    // What was last known is shown (with why it is not offered), never offered: only a cache entry is.
    return { source: s.source.name, filter: s.filter, tools: entry?.tools ?? s.lastKnown, blocked: blocked(s, entry) };
  }

  #rows(): SourceReport[] {
    const offer = this.#current();
    return [...this.#slots.values()].flatMap((s) => sourceRows(s, this.#cache.peek(s.key), this.#cache.age(s.key), offer, blocked(s, this.#cache.peek(s.key))));
  }

  *#sourceNames(): Iterable<string> {
    for (const s of this.#slots.values()) {
      yield s.source.name;
      if (s.source.kind === "composio") for (const t of s.toolkits) yield `composio:${t}`;
    }
  }

  /** The slot a source name ("files", "composio", "composio:gmail") belongs to, or integration_unknown. */
  #named(name: string): Slot {
    const [head, toolkit] = name.split(":", 2) as [string, string | undefined];
    const slot = toolkit === undefined || head === "composio" ? this.#slots.get(head) : undefined;
    if (slot) return slot;
    throw new BosunError("integration_unknown", `no tool source is named ${JSON.stringify(name.slice(0, 80))}`, { hint: `configured: ${[...this.#sourceNames()].join(", ") || "none"}; \`bosun integrations\` lists them` });
  }
}
