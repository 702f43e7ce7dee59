import type { ConsolaInstance } from "consola";
import { RESERVED_ADAPTER_NAMES } from "../config/schema.ts";
import { BosunError, ExitCode } from "../errors.ts";
import type { EventBus } from "../events.ts";
import type { TranscriptEntry, TurnProgress } from "../messages.ts";
import type { Channels } from "../sessions/outbox.ts";
import type { Intake } from "../sessions/runtime.ts";
import type { AdapterStatus } from "../status.ts";
import type { Clock } from "../util/clock.ts";
import type { AudioInput, VoiceNote } from "../voice/types.ts";
import { fingerprint } from "./fingerprint.ts";
import { findAdapterKind } from "./registry.ts";
import { stateFilePath } from "./state-file.ts";
import { Supervisor, type StartOutcome } from "./supervisor.ts";
import type { AdapterConfig, AdapterFactory, OutboundMessage } from "./types.ts";

/** Built-in shared channels (e.g. `cli` for `bosun chat`), whose names the config may not use: never swept by a reconcile. */
const BUILTIN_ADAPTERS: ReadonlySet<string> = new Set(RESERVED_ADAPTER_NAMES);

export interface ManagerOptions {
  bus: EventBus;
  log: ConsolaInstance;
  clock: Clock;
  random?: () => number;
  stateDir: string;
  /** Where inbound messages go (the turn runtime); set once it exists (see `attach`). */
  intake?: Intake;
  /** A conversation's stored transcript, for channels that show history (webchat). */
  transcript?: (adapter: string, conversation: string, limit: number) => Promise<TranscriptEntry[]>;
  /** Bound on the first start reported to the caller (semantics §1). */
  firstStartTimeoutMs: number;
}

/** What a reconcile did, by adapter name. */
export interface ReconcileResult {
  added: string[];
  replaced: string[];
  removed: string[];
  kept: string[];
  /** First-start outcome of every adapter that was started. */
  outcomes: Record<string, StartOutcome>;
}

/**
 * Owns every adapter's supervisor. Register, start, reconcile, restart and remove all run under
 * one lifecycle lock, so there are never two runtimes for one adapter name.
 */
export class AdapterManager implements Channels {
  #sups = new Map<string, Supervisor>();
  #lock: Promise<unknown> = Promise.resolve();
  #opts: ManagerOptions;
  constructor(opts: ManagerOptions) {
    this.#opts = opts;
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Level-triggered reconcile (semantics §2): remove adapters no longer desired, replace those
   * whose fingerprint changed, start missing ones, leave unchanged ones untouched.
   */
  reconcile(desired: Record<string, AdapterConfig>): Promise<ReconcileResult> {
    return this.#locked(async () => {
      const result: ReconcileResult = { added: [], replaced: [], removed: [], kept: [], outcomes: {} };
      const wanted = new Map(Object.entries(desired).map(([name, cfg]) => [name, { cfg, fp: fingerprint(cfg) }]));
      const stops: Promise<void>[] = [];
      for (const [name, sup] of this.#sups) {
        if (BUILTIN_ADAPTERS.has(name)) continue;
        const w = wanted.get(name);
        if (!w) {
          result.removed.push(name);
          stops.push(this.#remove(name, sup));
        } else if (w.fp !== sup.fingerprint) {
          result.replaced.push(name);
          stops.push(sup.stop());
        } else {
          result.kept.push(name);
        }
      }
      // Old runtimes are fully stopped before their replacements bind the same ports.
      await Promise.all(stops);
      const starts: Array<Promise<void>> = [];
      for (const [name, { cfg, fp }] of wanted) {
        const existing = this.#sups.get(name);
        if (existing && existing.fingerprint === fp) continue;
        if (!existing) result.added.push(name);
        starts.push(
          this.#create(name, cfg, fp).then(async (sup) => {
            this.#sups.set(name, sup);
            result.outcomes[name] = await sup.start(this.#opts.firstStartTimeoutMs);
          }),
        );
      }
      await Promise.all(starts);
      return result;
    });
  }

  /** Restart one adapter by name (also starts a stopped one). */
  restart(name: string): Promise<StartOutcome> {
    return this.#locked(async () => this.#get(name).restart(this.#opts.firstStartTimeoutMs));
  }

  /** Stop one adapter by name; it stays stopped until started or its config changes. */
  stop(name: string): Promise<void> {
    return this.#locked(async () => this.#get(name).stop());
  }

  /** Start one stopped adapter by name. */
  start(name: string): Promise<StartOutcome> {
    return this.#locked(async () => this.#get(name).start(this.#opts.firstStartTimeoutMs));
  }

  /** Stop every adapter concurrently; each stop has its own deadline. */
  stopAll(): Promise<void> {
    return this.#locked(async () => {
      await Promise.all([...this.#sups.values()].map((s) => s.stop()));
    });
  }

  /** The runtime that receives inbound messages (it is built on this manager's channels, so it comes second). */
  attach(intake: Intake): void {
    this.#opts = { ...this.#opts, intake };
  }

  /** Send one outbound message through a named adapter (an operator's send: refused when it is not running). */
  sendNow(name: string, message: OutboundMessage): Promise<void> {
    return this.#get(name).send(message);
  }

  /** Channels: a reply through the named adapter's live connection. */
  async send(name: string, message: OutboundMessage): Promise<"sent" | "not_connected"> {
    const sup = this.#sups.get(name);
    return sup ? sup.deliver(message) : "not_connected";
  }

  /** Channels: live progress of a turn. */
  progress(name: string, p: TurnProgress): void {
    this.#sups.get(name)?.progress(p);
  }

  /** A conversation as its platform describes it (session titles); null when the adapter cannot say. */
  /** Before the drain of a stop: no adapter takes new messages; replies still go out. */
  stopIntake(): void {
    for (const s of this.#sups.values()) s.stopIntake();
  }

  describe(name: string, conversation: string, thread: string | undefined, signal: AbortSignal): Promise<{ title?: string } | null> {
    return this.#sups.get(name)?.describe(conversation, thread, signal) ?? Promise.resolve(null);
  }

  /** Channels: a voice message's bytes through the named adapter's live connection. */
  async fetchAudio(name: string, ref: string, maxBytes: number, signal: AbortSignal): Promise<AudioInput | "not_connected"> {
    const sup = this.#sups.get(name);
    return sup ? sup.fetchAudio(ref, maxBytes, signal) : "not_connected";
  }

  /** Channels: a spoken reply through the named adapter's live connection. */
  async sendVoice(name: string, message: OutboundMessage, note: VoiceNote, signal?: AbortSignal): Promise<"sent" | "not_connected" | "unsupported"> {
    const sup = this.#sups.get(name);
    return sup ? sup.sendVoice(message, note, signal) : "not_connected";
  }

  /** Channels: whether the named adapter's live connection takes voice notes (asked before one is made). */
  canSendVoice(name: string): boolean {
    return this.#sups.get(name)?.canSendVoice === true;
  }

  /** Channels: whether the adapter answers a repeated request with the stored reply. */
  answersDuplicates(name: string): boolean {
    return this.#sups.get(name)?.answersDuplicates === true;
  }

  /** Status of every adapter, sorted by name. */
  list(): AdapterStatus[] {
    return [...this.#sups.values()].map((s) => ({ ...s.status })).sort((a, b) => a.name.localeCompare(b.name));
  }

  #get(name: string): Supervisor {
    const sup = this.#sups.get(name);
    if (!sup) {
      throw new BosunError("adapter_unknown", `no adapter named "${name}"`, { exitCode: ExitCode.failed, hint: "list them with `bosun adapters`" });
    }
    return sup;
  }

  async #remove(name: string, sup: Supervisor): Promise<void> {
    await sup.stop();
    this.#sups.delete(name);
    this.#opts.bus.emit({ type: "adapter.removed", name });
  }

  #factoryFor(name: string, config: AdapterConfig): Promise<AdapterFactory> {
    const kind = findAdapterKind(config.kind);
    if (!kind) throw new BosunError("adapter_kind", `adapter ${name}: unknown kind "${config.kind}"`, { hint: `set [adapters.${name}] kind to one that \`bosun config schema\` lists, then reload` });
    return kind.factoryFor(config);
  }

  async #create(name: string, config: AdapterConfig, fp: string): Promise<Supervisor> {
    const factory = await this.#factoryFor(name, config);
    return new Supervisor({
      name,
      config,
      fingerprint: fp,
      factory,
      stateFile: stateFilePath(this.#opts.stateDir, name),
      bus: this.#opts.bus,
      log: this.#opts.log.withTag(`adapter:${name}`),
      clock: this.#opts.clock,
      random: this.#opts.random ?? Math.random,
      intake: {
        // Without a runtime (embedded uses, tests of lifecycle alone) a message is not stored, so not acknowledged.
        inbound: (adapter, d) => this.#opts.intake?.inbound(adapter, d) ?? Promise.resolve(false),
        connected: (adapter) => this.#opts.intake?.connected(adapter),
      },
      ...(this.#opts.transcript ? { transcript: (conversation: string, limit: number) => this.#opts.transcript!(name, conversation, limit) } : {}),
    });
  }
}
