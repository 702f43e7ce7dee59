import type { ConsolaInstance } from "consola";
import type { AdapterConfig } from "../config/schema.ts";
import { BosunError, errorMessage } from "../errors.ts";
import type { EventBus } from "../events.ts";
import type { AdapterStatus } from "../status.ts";
import { ADAPTER_KINDS } from "./registry.ts";
import { AdapterRuntime, type InboundHandler } from "./runtime.ts";
import type { OutboundMessage } from "./types.ts";
import { stateFilePath } from "./state-file.ts";

export interface ManagerOptions {
  bus: EventBus;
  log: ConsolaInstance;
  now: () => number;
  stateDir: string;
  onInbound: InboundHandler;
  /** Bound on the first start reported to the caller (semantics §1). */
  firstStartTimeoutMs: number;
  stopDeadlineMs: number;
}

/**
 * Owns every adapter runtime. All lifecycle changes go through one lock, so there are never two
 * runtimes for one adapter name.
 */
export class AdapterManager {
  #runtimes = new Map<string, AdapterRuntime>();
  #lock: Promise<unknown> = Promise.resolve();
  constructor(private readonly opts: ManagerOptions) {}

  /** Run `fn` under the lifecycle lock. */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** Start every configured adapter that isn't running; waits at most firstStartTimeoutMs each. */
  startAll(adapters: Record<string, AdapterConfig>): Promise<void> {
    return this.#locked(async () => {
      await Promise.all(Object.entries(adapters).map(([name, config]) => this.#startOne(name, config)));
    });
  }

  async #startOne(name: string, config: AdapterConfig): Promise<void> {
    if (this.#runtimes.has(name)) return;
    const load = ADAPTER_KINDS[config.kind];
    if (!load) throw new BosunError("adapter_kind", `adapter ${name}: unknown kind "${config.kind}"`);
    const factory = await load();
    const log = this.opts.log.withTag(`adapter:${name}`);
    const adapter = factory({ name, config, log, now: this.opts.now, stateFile: stateFilePath(this.opts.stateDir, name) });
    const runtime = new AdapterRuntime(adapter, config, { bus: this.opts.bus, log, now: this.opts.now, onInbound: this.opts.onInbound, stopDeadlineMs: this.opts.stopDeadlineMs });
    this.#runtimes.set(name, runtime);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), this.opts.firstStartTimeoutMs)));
    try {
      const r = await Promise.race([runtime.start().then(() => "ok" as const), bound]);
      if (r === "timeout") log.warn(`${name} is still starting after ${this.opts.firstStartTimeoutMs} ms`);
    } catch (err) {
      log.error(`${name} failed to start: ${errorMessage(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stop every adapter concurrently; each stop has its own deadline. */
  stopAll(): Promise<void> {
    return this.#locked(async () => {
      const all = [...this.#runtimes.values()];
      await Promise.all(all.map((r) => r.stop()));
      this.#runtimes.clear();
    });
  }

  /** Send one outbound message through a named adapter. */
  async send(name: string, message: OutboundMessage): Promise<void> {
    const rt = this.#runtimes.get(name);
    if (!rt) throw new BosunError("adapter_unknown", `no adapter named "${name}"`, { hint: "list adapters with `bosun adapters`" });
    if (rt.status.state !== "running") throw new BosunError("adapter_down", `adapter ${name} is ${rt.status.state}`);
    await rt.send(message);
  }

  /** Status of every adapter, sorted by name. */
  list(): AdapterStatus[] {
    return [...this.#runtimes.values()].map((r) => ({ ...r.status })).sort((a, b) => a.name.localeCompare(b.name));
  }
}
