import type { ConsolaInstance } from "consola";
import type { AdapterConfig } from "../config/schema.ts";

/** One message received on a channel. `id` is the platform's message id (used for de-duplication). */
export interface InboundMessage {
  id: string;
  conversation: string;
  thread?: string;
  user: string;
  text: string;
}

/** What an adapter's stream yields: a message, or bare protocol activity (keeps liveness fresh). */
export type AdapterEvent = { type: "message"; message: InboundMessage } | { type: "activity" };

/** A message to deliver through a channel. */
export interface OutboundMessage {
  conversation: string;
  thread?: string;
  text: string;
}

/**
 * The adapter contract (semantics §1). The supervisor owns the lifecycle: it calls `start`
 * (which resolves once connected and returns the inbound stream), watches `lastEventAt`,
 * calls `probe` when the channel goes quiet, and `shutdown` to stop.
 */
export interface Adapter {
  readonly name: string;
  readonly kind: string;
  /** Epoch ms of the last protocol traffic of any kind. */
  readonly lastEventAt: number;
  /** Connect; resolves with the inbound event stream, which ends when the connection does. */
  start(signal: AbortSignal): Promise<AsyncIterable<AdapterEvent>>;
  /** Deliver one outbound message. */
  send(message: OutboundMessage): Promise<void>;
  /** Release every resource; the stream ends. Safe to call twice. */
  shutdown(): Promise<void>;
  /** Cheap liveness check; false means the connection is dead even if nothing said so. */
  probe(): Promise<boolean>;
}

/** What a factory gets to build an adapter. */
export interface AdapterContext {
  name: string;
  config: AdapterConfig;
  log: ConsolaInstance;
  now: () => number;
  /** Directory for this adapter's state files. */
  stateDir: string;
}

export type AdapterFactory = (ctx: AdapterContext) => Adapter;
