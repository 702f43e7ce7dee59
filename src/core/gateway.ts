import type { ConsolaInstance } from "consola";
import { AdapterManager } from "./adapters/manager.ts";
import { Agent } from "./agent.ts";
import type { LoadedConfig } from "./config/load.ts";
import { createToken } from "./control/auth.ts";
import type { RunningRecord } from "./control/client.ts";
import { startControlServer } from "./control/server.ts";
import { BosunError, errorMessage } from "./errors.ts";
import { EventBus } from "./events.ts";
import { acquireLock } from "./lock.ts";
import { createLogger, Redactor } from "./log.ts";
import { pathsFor, type Paths } from "./paths.ts";
import type { HttpServer } from "./platform/index.ts";
import { selectProvider } from "./providers/select.ts";
import { emptyStatus, reduceStatus, withUptime, type Status } from "./status.ts";
import { ensurePrivateDir, removeFile, writeFileAtomic } from "./util/fsx.ts";

export interface GatewayOptions {
  home: string;
  loaded: LoadedConfig;
  env: Record<string, string | undefined>;
  version: string;
  now?: () => number;
  /** consola level (3 info, 4 debug). */
  logLevel?: number;
  /** Serve the control API (off for embedded uses such as the Deno smoke check). */
  control?: boolean;
}

/**
 * The gateway: owns the home directory, the lock, the control API, the adapters and the agent,
 * and shuts them down in order. Its status is the fold of its own events through reduceStatus.
 */
export class Gateway {
  readonly bus: EventBus;
  readonly paths: Paths;
  readonly log: ConsolaInstance;
  readonly redactor = new Redactor();
  #status: Status;
  #now: () => number;
  #releaseLock: (() => void) | null = null;
  #control: HttpServer | null = null;
  #adapters: AdapterManager | null = null;
  #agent: Agent | null = null;
  #stopping: Promise<void> | null = null;
  #stopped!: () => void;
  /** Resolves once the gateway has fully stopped (after `stop`, a signal or `POST /v1/shutdown`). */
  readonly stopped = new Promise<void>((r) => (this.#stopped = r));

  constructor(private readonly opts: GatewayOptions) {
    this.#now = opts.now ?? Date.now;
    this.bus = new EventBus(this.#now);
    this.paths = pathsFor(opts.home);
    this.#status = emptyStatus(opts.version);
    this.bus.on((e) => {
      this.#status = reduceStatus(this.#status, e);
    });
    this.redactor.set(opts.loaded.secrets);
    this.log = createLogger({ bus: this.bus, redactor: this.redactor, file: this.paths.log, level: opts.logLevel ?? 3 });
  }

  /** Current status with a live uptime. */
  snapshot(): Status {
    return withUptime(this.#status, this.#now());
  }

  /** Start everything; resolves when ready. Refuses when another gateway owns this home. */
  async start(): Promise<void> {
    const { paths, opts } = this;
    for (const dir of [paths.home, paths.runDir, paths.stateDir, paths.adapterStateDir, paths.logsDir]) ensurePrivateDir(dir);
    const lock = acquireLock(paths.lock);
    if (!lock.ok) {
      const who = lock.holder.pid ? `pid ${lock.holder.pid}` : "another process";
      throw new BosunError("already_running", `bosun is already running on ${paths.home} (${who})`, {
        hint: "stop it with `bosun down`, or use another BOSUN_HOME",
      });
    }
    this.#releaseLock = lock.release;
    const config = opts.loaded.config;
    const startedAt = new Date(this.#now()).toISOString();
    try {
      this.bus.emit({ type: "gateway.state", gateway: { state: "starting", pid: process.pid, configPath: opts.loaded.path, startedAt } });
      const choice = await selectProvider(config.agent, opts.env);
      if (choice.notice) this.log.info(choice.notice);
      this.bus.emit({ type: "gateway.state", gateway: { provider: choice.provider.label } });
      this.#agent = new Agent({ provider: choice.provider, systemPrompt: config.agent.system_prompt, log: this.log.withTag("agent"), describeStatus: () => this.describe() });
      if (opts.control !== false) {
        const token = createToken(paths.token);
        this.#control = await startControlServer(paths.socket, token, {
          bus: this.bus,
          snapshot: () => this.snapshot(),
          shutdown: () => void this.stop("control API"),
          send: (adapter, target, text) => this.send(adapter, target, text),
        });
      }
      this.#adapters = new AdapterManager({
        bus: this.bus,
        log: this.log,
        now: this.#now,
        stateDir: paths.adapterStateDir,
        firstStartTimeoutMs: config.gateway.first_start_timeout_ms,
        stopDeadlineMs: 5_000,
        onInbound: (adapter, m, signal) => this.reply(adapter, m.conversation, m.text, signal, m.thread),
      });
      await this.#adapters.startAll(config.adapters);
      if (opts.control !== false) {
        const record: RunningRecord = { pid: process.pid, version: opts.version, socket: paths.socket, configPath: opts.loaded.path, startedAt };
        writeFileAtomic(paths.record, JSON.stringify(record, null, 2) + "\n", 0o600);
      }
      this.bus.emit({ type: "gateway.state", gateway: { state: "running" } });
      this.log.info(`gateway ready (pid ${process.pid}, config: ${opts.loaded.path ?? "embedded default"})`);
    } catch (err) {
      await this.stop("start failed");
      throw err;
    }
  }

  /** Answer one message as the agent would in a channel. */
  async reply(adapter: string, conversation: string, text: string, signal: AbortSignal, thread?: string): Promise<string> {
    if (!this.#agent) throw new BosunError("not_ready", "the gateway is not ready");
    const key = thread ? `${adapter}:${conversation}:${thread}` : `${adapter}:${conversation}`;
    return this.#agent.reply({ key, text }, signal);
  }

  /** Send one outbound message through an adapter. */
  async send(adapter: string, conversation: string, text: string): Promise<void> {
    if (!this.#adapters) throw new BosunError("not_ready", "the gateway is not ready");
    await this.#adapters.send(adapter, { conversation, text });
  }

  /** One short paragraph of health, for `/status` in chat. */
  describe(): string {
    const s = this.snapshot();
    const mins = Math.floor(s.gateway.uptimeMs / 60_000);
    const adapters = s.adapters.map((a) => `${a.name} ${a.state}`).join(", ") || "none";
    return `bosun ${s.gateway.version} is ${s.gateway.state} (up ${mins} min), provider ${s.gateway.provider}; adapters: ${adapters}.`;
  }

  /**
   * Ordered shutdown: stop intake (adapters), then the control API, then remove the running
   * record and the lock. The record and lock are removed even when a step fails.
   */
  stop(reason = "requested"): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      this.bus.emit({ type: "gateway.state", gateway: { state: "stopping" } });
      this.log.info(`gateway stopping (${reason})`);
      const steps: Array<[string, () => Promise<void> | void]> = [
        ["adapters", () => this.#adapters?.stopAll()],
        ["control API", () => this.#control?.stop()],
      ];
      for (const [name, step] of steps) {
        const t0 = this.#now();
        try {
          await step();
          this.log.debug(`stopped ${name} in ${this.#now() - t0} ms`);
        } catch (err) {
          this.log.error(`stopping ${name} failed: ${errorMessage(err)}`);
        }
      }
      if (this.#releaseLock) {
        removeFile(this.paths.record);
        removeFile(this.paths.socket);
        removeFile(this.paths.token);
        this.#releaseLock();
        this.#releaseLock = null;
      }
      this.bus.emit({ type: "gateway.state", gateway: { state: "stopped", uptimeMs: 0 } });
      this.#stopped();
    })();
    return this.#stopping;
  }
}
