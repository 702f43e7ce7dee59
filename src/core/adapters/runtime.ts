import type { ConsolaInstance } from "consola";
import type { AdapterConfig } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import type { EventBus } from "../events.ts";
import type { AdapterState, AdapterStatus } from "../status.ts";
import type { Adapter, InboundMessage, OutboundMessage } from "./types.ts";

/** Turns an inbound message into the reply to send back (null = no reply). */
export type InboundHandler = (adapter: string, message: InboundMessage, signal: AbortSignal) => Promise<string | null>;

export interface RuntimeDeps {
  bus: EventBus;
  log: ConsolaInstance;
  now: () => number;
  onInbound: InboundHandler;
  stopDeadlineMs: number;
}

/**
 * One adapter instance and the task that pumps its stream. The runtime is the single owner of the
 * adapter: nothing else starts or stops it, and every state change is published as an event.
 */
export class AdapterRuntime {
  readonly status: AdapterStatus;
  #abort = new AbortController();
  #task: Promise<void> | null = null;
  #conversations = new Map<string, Promise<void>>();

  constructor(
    readonly adapter: Adapter,
    readonly config: AdapterConfig,
    private readonly deps: RuntimeDeps,
  ) {
    this.status = {
      name: adapter.name,
      kind: adapter.kind,
      state: "stopped",
      restarts: 0,
      since: new Date(deps.now()).toISOString(),
      lastError: null,
      nextRetryAt: null,
      lastInboundAt: null,
      lastOutboundAt: null,
    };
  }

  /** Connect and start pumping; resolves once connected, rejects with the start error. */
  async start(): Promise<void> {
    this.#setState("starting");
    let stream: AsyncIterable<import("./types.ts").AdapterEvent>;
    try {
      stream = await this.adapter.start(this.#abort.signal);
    } catch (err) {
      this.#setState("failed", errorMessage(err));
      throw err;
    }
    this.#setState("running");
    this.#task = this.#pump(stream);
  }

  async #pump(stream: AsyncIterable<import("./types.ts").AdapterEvent>): Promise<void> {
    try {
      for await (const ev of stream) {
        if (ev.type === "message") this.#dispatch(ev.message);
      }
      if (!this.#abort.signal.aborted) this.#setState("failed", "connection ended");
    } catch (err) {
      if (!this.#abort.signal.aborted) this.#setState("failed", errorMessage(err));
    }
  }

  /** Messages of one conversation are answered in order; conversations run concurrently. */
  #dispatch(message: InboundMessage): void {
    const at = new Date(this.deps.now()).toISOString();
    this.status.lastInboundAt = at;
    this.deps.bus.emit({ type: "message.inbound", at, adapter: this.adapter.name, conversation: message.conversation, user: message.user, text: message.text });
    const key = message.conversation;
    const prev = this.#conversations.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.#answer(message));
    this.#conversations.set(key, next);
    void next.finally(() => {
      if (this.#conversations.get(key) === next) this.#conversations.delete(key);
    });
  }

  async #answer(message: InboundMessage): Promise<void> {
    try {
      const reply = await this.deps.onInbound(this.adapter.name, message, this.#abort.signal);
      if (reply === null) return;
      await this.send({ conversation: message.conversation, thread: message.thread, text: reply });
    } catch (err) {
      this.deps.log.warn(`${this.adapter.name}: could not answer a message in ${message.conversation}: ${errorMessage(err)}`);
    }
  }

  /** Deliver one message and publish it. */
  async send(message: OutboundMessage): Promise<void> {
    await this.adapter.send(message);
    const at = new Date(this.deps.now()).toISOString();
    this.status.lastOutboundAt = at;
    this.deps.bus.emit({ type: "message.outbound", at, adapter: this.adapter.name, conversation: message.conversation, text: message.text });
  }

  /** Stop: signal, shut the adapter down, await the task with a deadline. Teardown always completes. */
  async stop(): Promise<void> {
    if (this.status.state === "stopped") return;
    this.#setState("stopping");
    this.#abort.abort();
    let shutdownError: unknown = null;
    try {
      await this.adapter.shutdown();
    } catch (err) {
      shutdownError = err;
    }
    if (this.#task) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((r) => (timer = setTimeout(r, this.deps.stopDeadlineMs)));
      await Promise.race([this.#task, deadline]);
      clearTimeout(timer);
    }
    this.#setState("stopped", shutdownError ? errorMessage(shutdownError) : null);
  }

  #setState(state: AdapterState, lastError: string | null = this.status.lastError): void {
    this.status.state = state;
    this.status.lastError = lastError;
    this.status.since = new Date(this.deps.now()).toISOString();
    this.deps.bus.emit({ type: "adapter.state", adapter: { ...this.status } });
  }
}
