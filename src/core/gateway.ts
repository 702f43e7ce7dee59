import type { ConsolaInstance } from "consola";
import type { DatabaseSync } from "node:sqlite";
import { AdapterManager, type ReconcileResult } from "./adapters/manager.ts";
import type { StartOutcome } from "./adapters/supervisor.ts";
import { exposureWarnings } from "./config/exposure.ts";
import { parseConfig, type LoadedConfig } from "./config/load.ts";
import { secretValues } from "./config/secrets.ts";
import type { BosunConfig } from "./config/schema.ts";
import { watchConfig, type WatchHandle } from "./config/watch.ts";
import { createToken } from "./control/auth.ts";
import type { RunningRecord } from "./control/client.ts";
import { startControlServer } from "./control/server.ts";
import { BosunError, ConfigError, errorMessage } from "./errors.ts";
import { EventBus } from "./events.ts";
import { startHeartbeat } from "./heartbeat.ts";
import { acquireLock } from "./lock.ts";
import { ownStartTicks } from "./util/process.ts";
import { createLogger, Redactor } from "./log.ts";
import { pathsFor, type Paths } from "./paths.ts";
import { collectGarbage, type HttpServer } from "./platform/index.ts";
import { collectAfterBursts } from "./idle-gc.ts";
import { selectProvider } from "./providers/select.ts";
import { openDatabase } from "./db.ts";
import { checkpointInBackground } from "./db-checkpoint.ts";
import { Agent } from "./sessions/agent.ts";
import { TurnRuntime } from "./sessions/runtime.ts";
import { CliChat } from "./chat/service.ts";
import { withCliChannel } from "./chat/cli-channel.ts";
import { sessionKey } from "./sessions/key.ts";
import { SqliteSessionStore } from "./sessions/sqlite-store.ts";
import type { SessionDetail, SessionInfo, SessionPage, SessionQuery, SessionStore } from "./sessions/store.ts";
import { SessionListing } from "./sessions/listing.ts";
import type { SessionAction } from "./control/api.ts";
import { agentSettings, runtimeSettings } from "./sessions/settings.ts";
import type { RestoreResult } from "./sessions/last-stop.ts";
import { StopRecord } from "./sessions/stop-record.ts";
import { checkCustomInstalls } from "./installs/check-config.ts";
import type { Installer, InstallRequest } from "./installs/installer.ts";
import type { CatalogEntry } from "./installs/types.ts";
import { InstallService } from "./installs/gateway-installs.ts";
import type { IntegrationsService } from "./integrations/types.ts";
import { startIntegrations, type IntegrationHub } from "./integrations/start.ts";
import { emptyStatus, withUptime, type InstallStatus, type Status } from "./status.ts";
import { reduceStatus } from "./status-reducer.ts";
import { systemClock, type Clock } from "./util/clock.ts";
import type { SpeakReply, Transcriber } from "./voice/types.ts";
import { gatewayTranscriber } from "./voice/gateway-transcriber.ts";
import { gatewaySpeech } from "./voice/tts/gateway-speech.ts";
import { gatewayVoice, type GatewayVoice } from "./voice/gateway-voice.ts";
import { embeddedSidecar } from "./voice/embedded-sidecar.ts";
import { trackVoiceStatus } from "./voice/voice-status.ts";
import { ensurePrivateDir, removeFile, writeFileAtomic } from "./util/fsx.ts";

/** Asked of a gateway that is still starting, or already stopping (503 over the control API). */
const notReady = () => new BosunError("not_ready", "the gateway is not ready", { hint: "it is starting or stopping; `bosun status` says which" });

export interface GatewayOptions {
  home: string;
  loaded: LoadedConfig;
  env: Record<string, string | undefined>;
  version: string;
  clock?: Clock;
  /** consola level (3 info, 4 debug). */
  logLevel?: number;
  /** Serve the control API (off for embedded uses such as the Deno smoke check). */
  control?: boolean;
  /** `up --restore`: answer what the last `bosun down` left, instead of holding it for `bosun restore`. */
  restore?: boolean;
  /** Speech to text for voice messages (tests give their own); absent: the bundled whisper sidecar. */
  transcriber?: Transcriber;
  /** Text to speech for spoken replies ([voice] speak_replies; tests give their own); absent: the installed Piper voices. */
  speakReply?: SpeakReply;
}

/**
 * The gateway: owns the home directory, the lock, the database, the control API, the adapters,
 * the config watcher and the agent, and shuts them down in order. Its status is the fold of its
 * own events through reduceStatus.
 */
export class Gateway {
  readonly bus: EventBus;
  readonly paths: Paths;
  readonly log: ConsolaInstance;
  readonly redactor = new Redactor();
  #status: Status;
  #clock: Clock;
  #loaded: LoadedConfig;
  #releaseLock: (() => void) | null = null;
  #db: DatabaseSync | null = null;
  #stopCheckpoints: (() => Promise<void>) | null = null;
  #stopIdleGc: ReturnType<typeof collectAfterBursts> | null = null;
  #control: HttpServer | null = null;
  #adapters: AdapterManager | null = null;
  #agent: Agent | null = null;
  #store: SessionStore | null = null;
  #listing: SessionListing | null = null;
  #stopRecord: StopRecord | null = null;
  #runtime: TurnRuntime | null = null;
  #chat: CliChat | null = null;
  #installs: InstallService | null = null;
  /** Resolves with the installer once it exists: a voice message replayed at start waits for it. */
  #installer = Promise.withResolvers<Installer>();
  #integrations: IntegrationHub | null = null;
  #transcriber: Transcriber | undefined;
  #voice: GatewayVoice | undefined;
  #voiceStatus: ReturnType<typeof trackVoiceStatus> | null = null;
  #speech: ReturnType<typeof gatewaySpeech> | undefined;
  #watcher: WatchHandle | null = null;
  #stopHeartbeat: (() => void) | null = null;
  #reloading: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | null = null;
  /** Reached running: only then does a stop write the last-stop record. */
  #ran = false;
  #stopped!: () => void;
  /** Resolves once the gateway has fully stopped (after `stop`, a signal or `POST /v1/shutdown`). */
  readonly stopped = new Promise<void>((r) => (this.#stopped = r));

  constructor(private readonly opts: GatewayOptions) {
    this.#clock = opts.clock ?? systemClock;
    this.#loaded = opts.loaded;
    this.bus = new EventBus(this.#clock);
    this.paths = pathsFor(opts.home);
    this.#status = emptyStatus(opts.version);
    this.bus.on((e) => {
      this.#status = reduceStatus(this.#status, e);
    });
    this.redactor.set(secretValues(opts.loaded, opts.env));
    this.log = createLogger({ bus: this.bus, redactor: this.redactor, file: this.paths.log, level: opts.logLevel ?? 3 });
  }

  /** Speech to text for voice messages and the control API alike: both wait for the same `[voice] max_concurrent` slots. */
  get #stt(): Transcriber {
    return (this.#transcriber ??= this.opts.transcriber ?? gatewayTranscriber({ binDir: this.paths.bin, env: this.opts.env, config: () => this.#loaded.config.voice, installs: () => this.#installer.promise }));
  }

  /** Text to speech with the installed Piper voices: one engine (its sessions cached per voice) for every spoken reply. */
  get #tts(): ReturnType<typeof gatewaySpeech> {
    return (this.#speech ??= gatewaySpeech({ binDir: this.paths.bin, libDir: this.paths.lib, env: this.opts.env, config: () => this.#loaded.config.voice, installs: () => this.#installer.promise }));
  }

  /** The gateway's voice for the control API (`/v1/voice/*`): the voice messages' Transcriber, and text to speech. */
  get voice(): GatewayVoice {
    return (this.#voice ??= gatewayVoice({ config: () => this.#loaded.config.voice, transcriber: this.#stt, synthesizer: () => this.#tts.synthesizer }));
  }

  /** Current status with a live uptime (and the integrations' cache ages as of now). */
  snapshot(): Status {
    const s = withUptime(this.#status, this.#clock.now());
    return this.#integrations && s.integrations.length > 0 ? { ...s, integrations: this.#integrations.rows() } : s;
  }

  /** The adapter manager (manual control by name). */
  get adapters(): AdapterManager {
    if (!this.#adapters) throw notReady();
    return this.#adapters;
  }

  /** Start everything; resolves when ready. Refuses when another gateway owns this home. */
  async start(): Promise<void> {
    const { paths, opts } = this;
    // Before anything starts: a [[installs.custom]] item the installer would refuse, at file:line:col.
    if (this.#loaded.path) checkCustomInstalls(this.#loaded.config.installs, { file: this.#loaded.path });
    for (const dir of [paths.home, paths.runDir, paths.stateDir, paths.adapterStateDir, paths.logsDir]) ensurePrivateDir(dir);
    const lock = acquireLock(paths.lock, process.pid, this.#clock);
    if (!lock.ok) {
      const who = lock.holder.pid ? `pid ${lock.holder.pid}` : "another process";
      throw new BosunError("already_running", `bosun is already running on ${paths.home} (${who})`, {
        hint: "stop it with `bosun down`, or use another BOSUN_HOME",
      });
    }
    this.#releaseLock = lock.release;
    const config = this.#loaded.config;
    const startedAt = new Date(this.#clock.now()).toISOString();
    try {
      this.bus.emit({ type: "gateway.state", gateway: { state: "starting", pid: process.pid, configPath: this.#loaded.path, startedAt } });
      this.#db = openDatabase(paths.db);
      this.#stopCheckpoints = checkpointInBackground(this.#db, paths.db, this.#clock, (m) => this.log.warn(`database checkpoint: ${m}`));
      const choice = await selectProvider(config.agent, opts.env, (t) => this.redactor.apply(t));
      if (choice.notice) this.log.info(choice.notice);
      this.bus.emit({ type: "gateway.state", gateway: { provider: choice.provider.label } });
      const store = new SqliteSessionStore(this.#db);
      this.#store = store;
      this.#agent = new Agent({
        ...(await agentSettings(config, choice.provider, opts.env, (t) => this.redactor.apply(t))),
        store,
        clock: this.#clock,
        log: this.log.withTag("agent"),
        describeStatus: () => this.describe(),
        // A model can repeat a key it was shown or that a tool returned: chat users never see a secret either.
        redact: (t) => this.redactor.apply(t),
        longestSecret: () => this.redactor.longest,
      });
      // Tool sources start now (MCP servers spawn in the background); the agent asks the hub before each model call.
      this.#integrations = startIntegrations(config.integrations, {
        log: this.log,
        clock: this.#clock,
        env: opts.env,
        redact: (t) => this.redactor.apply(t),
        emit: (rows) => this.bus.emit({ type: "integrations.state", integrations: rows }),
        listed: () => this.#stopIdleGc?.mark(),
      });
      this.#agent.setTools(this.#integrations.empty ? undefined : this.#integrations);
      if (opts.control !== false) {
        const token = createToken(paths.token);
        this.#control = await startControlServer(paths.socket, token, this, this.#clock);
      }
      this.#adapters = new AdapterManager({
        bus: this.bus,
        log: this.log,
        clock: this.#clock,
        stateDir: paths.adapterStateDir,
        firstStartTimeoutMs: config.gateway.first_start_timeout_ms,
        transcript: (adapter, conversation, limit) => store.transcript(sessionKey(adapter, conversation), limit),
      });
      // `bosun chat`: the built-in cli channel; the runtime reaches it as adapter "cli".
      const chat = new CliChat({ runtime: () => this.runtime, transcript: (key, limit) => store.transcript(key, limit) });
      this.#runtime = new TurnRuntime({
        store,
        agent: this.#agent,
        channels: withCliChannel(chat.channel, this.#adapters),
        clock: this.#clock,
        log: this.log.withTag("sessions"),
        bus: this.bus,
        ...runtimeSettings(config),
        transcriber: this.#stt,
        speakReply: opts.speakReply ?? this.#tts.speakReply,
      });
      this.#adapters.attach(this.#runtime);
      const adapters = this.#adapters;
      this.#listing = new SessionListing(store, (s, signal) => adapters.describe(s.adapter, s.conversation, s.thread ?? undefined, signal), this.#clock);
      // The listing cache exists to keep listings from waiting on platforms, not to hide news: when
      // the store's counts change (a new session, a turn started or failed, a reply delivered or
      // given up on) the next listing reads the store again (cheap, indexed) instead of a page up to 35 s old.
      const listing = this.#listing;
      this.bus.on((e) => {
        if (e.type === "sessions.counts") listing.invalidate();
      });
      this.#chat = chat;
      // What a crash or stop left unanswered is queued before any channel delivers something new.
      this.#stopRecord = new StopRecord(this.paths.lastStop, this.#clock, this.log);
      await this.#runtime.start({ hold: this.#stopRecord.holdAtStart(startedAt, opts.restore === true) });
      if (opts.restore) await this.restore();
      await this.#adapters.reconcile(config.adapters);
      this.#warnExposure(config);
      this.#installs = new InstallService(
        { modelsDir: paths.models, db: this.#db, bus: this.bus, log: this.log.withTag("installs"), env: opts.env, clock: this.#clock },
        config.installs,
      );
      await this.#installs.start();
      this.#installer.resolve(this.#installs.installer);
      this.#voiceStatus = trackVoiceStatus({ bus: this.bus, installs: this.#installs.installer, config: () => this.#loaded.config.voice, sidecar: embeddedSidecar !== null, warn: (m) => this.log.warn(m) });
      if (opts.control !== false) {
        const record: RunningRecord = { pid: process.pid, ...(ownStartTicks === null ? {} : { procStart: ownStartTicks }), version: opts.version, socket: paths.socket, configPath: this.#loaded.path, startedAt };
        writeFileAtomic(paths.record, JSON.stringify(record, null, 2) + "\n", 0o600);
        this.#stopHeartbeat = startHeartbeat(paths.record, this.#clock, config.gateway.heartbeat_ms);
      }
      this.#watch();
      this.#stopIdleGc = collectAfterBursts(this.bus, this.#clock, collectGarbage);
      this.#ran = true;
      this.bus.emit({ type: "gateway.state", gateway: { state: "running" } });
      this.log.info(`gateway ready (pid ${process.pid}, config: ${this.#loaded.path ?? "embedded default"})`);
    } catch (err) {
      await this.stop("start failed");
      throw err;
    }
  }

  /**
   * Restore what the last `bosun down` left: each held session's waiting messages are answered,
   * oldest first (see StopRecord.restore).
   */
  restore(): Promise<RestoreResult> {
    if (!this.#store || !this.#runtime || !this.#stopRecord) throw notReady();
    return this.#stopRecord.restore(this.#store, this.#runtime, (a) => this.#configured(a));
  }

  /** Whether an adapter is in the config (the built-in `cli` channel always is). */
  #configured(adapter: string): boolean {
    return adapter === "cli" || Object.hasOwn(this.#loaded.config.adapters, adapter);
  }

  /** The installer (model and voice installs under the guard). */
  get installer(): Installer {
    if (!this.#installs) throw notReady();
    return this.#installs.installer;
  }

  /** The installable entries (built-in catalogue plus `[[installs.custom]]`). */
  catalog(): CatalogEntry[] {
    return this.installer.entries();
  }

  /** Every install worth a row: stored, on disk or wanted (the same rows `bosun installs` lists with no gateway). */
  installList(targets: string[] = []): Promise<InstallStatus[]> {
    return this.installer.list([...this.#loaded.config.installs.want, ...targets]);
  }

  /** Ask for installs; each target either starts or reports the install already running. */
  async install(targets: string[], force = false): Promise<InstallRequest[]> {
    if (!this.#installs) throw notReady();
    return this.#installs.install(targets, force);
  }

  /** Tool sources: MCP servers and Composio, behind the cache of semantics §6. */
  get integrations(): IntegrationsService {
    if (!this.#integrations) throw notReady();
    return this.#integrations;
  }

  /** The turn runtime (intake, turns, outbox). */
  get runtime(): TurnRuntime {
    if (!this.#runtime) throw notReady();
    return this.#runtime;
  }

  /** The cli channel's chat (`bosun chat`). */
  get chat(): CliChat {
    if (!this.#chat) throw notReady();
    return this.#chat;
  }

  /** One session by id, unique id prefix or key, with its transcript. */
  async session(idOrKey: string): Promise<SessionDetail | null> {
    if (!this.#listing || !this.#runtime) throw notReady();
    const s = await this.#listing.get(idOrKey);
    if (!s) return null;
    const adapter = this.snapshot().adapters.find((a) => a.name === s.adapter)?.state ?? (s.adapter === "cli" ? "running" : "not configured");
    return { ...s, live: { adapter, turn: this.#runtime.turnState(s.key), held: this.#runtime.held.has(s.key) } };
  }

  /** Sessions, newest activity first: from the listing cache (never waits for a platform), or `fresh` from the store. */
  listSessions(q: SessionQuery & { fresh?: boolean } = {}): Promise<SessionPage> {
    if (!this.#listing) throw notReady();
    const { fresh, ...query } = q;
    return fresh ? this.#listing.listStored(query) : this.#listing.listCached(query);
  }

  /** Reset, stop or start one session (by id, unique id prefix or key); null when none matches. */
  async steerSession(idOrKey: string, action: SessionAction): Promise<SessionInfo | null> {
    if (!this.#store || !this.#runtime) throw notReady();
    const s = await this.#store.session(idOrKey, 0);
    if (!s) return null;
    await this.#runtime.steer(s.key, action);
    // The listing cache would show the old state for up to its TTL.
    this.#listing?.invalidate();
    const after = await this.#store.session(s.key, 0);
    if (!after) return null;
    const { messages: _m, waitingMessages: _w, outbox: _o, ...info } = after;
    return info;
  }

  /** Send one outbound message through an adapter. */
  async send(adapter: string, conversation: string, text: string): Promise<void> {
    await this.adapters.sendNow(adapter, { conversation, text });
  }

  /** Restart, stop or start one adapter by name. */
  async control(action: "restart" | "stop" | "start", name: string): Promise<StartOutcome | "stopped"> {
    if (action === "stop") {
      await this.adapters.stop(name);
      return "stopped";
    }
    return action === "restart" ? this.adapters.restart(name) : this.adapters.start(name);
  }

  /** Re-read the config file now (what the watcher does after an edit). Invalid → kept, shown. */
  reload(text: string): Promise<void> {
    const next = this.#reloading.then(() => this.#apply(text));
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  async #apply(text: string): Promise<void> {
    const path = this.#loaded.path;
    if (!path || this.#stopping) return;
    let loaded: LoadedConfig;
    try {
      loaded = parseConfig(text, path, this.opts.env, this.#loaded.source);
      checkCustomInstalls(loaded.config.installs, { file: path, text });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.log.error(`config not applied, keeping the last good one: ${err.location}: ${err.message}`);
      this.bus.emit({ type: "config.error", error: err.toJSON() });
      return;
    }
    this.redactor.set([...secretValues(this.#loaded, this.opts.env), ...secretValues(loaded, this.opts.env)]);
    const agentChanged = JSON.stringify(loaded.config.agent) !== JSON.stringify(this.#loaded.config.agent);
    const integrationsChanged = JSON.stringify(loaded.config.integrations) !== JSON.stringify(this.#loaded.config.integrations);
    this.#loaded = loaded;
    this.#installs?.reload(loaded.config.installs);
    if (agentChanged && this.#agent) {
      const choice = await selectProvider(loaded.config.agent, this.opts.env, (t) => this.redactor.apply(t));
      this.#agent.configure(await agentSettings(loaded.config, choice.provider, this.opts.env, (t) => this.redactor.apply(t)));
      this.bus.emit({ type: "gateway.state", gateway: { provider: choice.provider.label } });
    }
    this.#runtime?.configure(runtimeSettings(loaded.config));
    void this.#voiceStatus?.refresh();
    if (this.#integrations) {
      this.#integrations.configure(loaded.config.integrations);
      this.#agent?.setTools(this.#integrations.empty ? undefined : this.#integrations);
    }
    const t0 = this.#clock.now();
    const r: ReconcileResult = await this.adapters.reconcile(loaded.config.adapters);
    this.#warnExposure(loaded.config);
    this.bus.emit({ type: "config.reloaded", configPath: path });
    const summary = (["added", "replaced", "removed"] as const).map((k) => (r[k].length ? `${k} ${r[k].join(", ")}` : "")).filter(Boolean);
    if (integrationsChanged) summary.push("integrations reconfigured");
    this.log.info(`config reloaded in ${this.#clock.now() - t0} ms: ${summary.join("; ") || "no adapter changes"}`);
  }

  #warnExposure(config: BosunConfig): void {
    for (const w of exposureWarnings(config)) this.log.warn(w.message);
  }

  #watch(): void {
    const path = this.#loaded.path;
    if (!path || !this.#loaded.config.gateway.watch_config) return;
    this.#watcher?.dispose();
    this.#watcher = watchConfig(path, {
      debounceMs: this.#loaded.config.gateway.reload_debounce_ms,
      initialHash: this.#loaded.hash,
      clock: this.#clock,
      onChange: (text) => void this.reload(text).catch((err) => this.log.error(`reload failed: ${errorMessage(err)}`)),
      onError: (err) => this.log.warn(`config watch: ${errorMessage(err)}`),
    });
  }

  /** One short paragraph of health, for `/status` in chat. */
  describe(): string {
    const s = this.snapshot();
    const mins = Math.floor(s.gateway.uptimeMs / 60_000);
    const adapters = s.adapters.map((a) => `${a.name} ${a.state}`).join(", ") || "none";
    const waiting = s.outbox.pending > 0 ? `, ${s.outbox.pending} repl${s.outbox.pending === 1 ? "y" : "ies"} waiting for delivery` : "";
    const tools = s.integrations.length === 0 ? "" : `; tools: ${s.integrations.reduce((n, i) => n + i.offered, 0)} offered (${s.integrations.map((i) => `${i.name} ${i.state}`).join(", ")})`;
    return `bosun ${s.gateway.version} is ${s.gateway.state} (up ${mins} min), provider ${s.gateway.provider}; adapters: ${adapters}${tools}; ${s.sessions.total} conversation${s.sessions.total === 1 ? "" : "s"}${waiting}.`;
  }

  /**
   * Ordered shutdown: stop watching, stop intake (adapters), then the control API, then the
   * database; the running record, socket and lock are removed even when a step fails.
   */
  stop(reason = "requested"): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      this.#stopHeartbeat?.();
      this.#stopIdleGc?.();
      this.#voiceStatus?.stop();
      this.bus.emit({ type: "gateway.state", gateway: { state: "stopping" } });
      this.log.info(`gateway stopping (${reason})`);
      const steps: Array<[string, () => Promise<void> | void]> = [
        ["config watcher", () => this.#watcher?.dispose()],
        // Intake first: nothing new arrives while running turns finish and their replies go out.
        ["intake", () => this.#adapters?.stopIntake()],
        // Turns still running record nothing: their messages are answered by the next start.
        ["sessions", () => this.#runtime?.stop(this.#loaded.config.gateway.shutdown_timeout_ms)],
        ["adapters", () => this.#adapters?.stopAll()],
        ["integrations", () => this.#integrations?.stop()],
        ["last-stop record", () => (this.#store ? this.#stopRecord?.record(this.#store, this.#ran, (a) => this.#configured(a)) : undefined)],
        ["installs", () => this.#installs?.stop()],
        ["control API", () => this.#control?.stop()],
        ["database checkpoints", () => this.#stopCheckpoints?.()],
        ["database", () => this.#db?.close()],
      ];
      for (const [name, step] of steps) {
        const t0 = this.#clock.now();
        try {
          await step();
          this.log.debug(`stopped ${name} in ${this.#clock.now() - t0} ms`);
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
