import { afterAll, beforeAll } from "bun:test";
import { z } from "zod";
import { TerminalError } from "../../src/core/adapters/errors.ts";
import { defineAdapterKind } from "../../src/core/adapters/kind.ts";
import { registerAdapterKind } from "../../src/core/adapters/registry.ts";
import { supervision } from "../../src/core/config/fields.ts";
import type { Adapter, AdapterContext, AdapterEvent, AdapterFactory, OutboundMessage } from "../../src/core/adapters/types.ts";
import { AsyncQueue } from "../../src/core/util/queue.ts";

/** What one connection attempt of a FakeAdapter does. */
export type Behaviour = "ok" | "fail" | "hang" | "auth";

/** One created adapter instance, inspectable by the test. */
export interface FakeConn {
  index: number;
  name: string;
  config: unknown;
  queue: AsyncQueue<AdapterEvent>;
  sent: OutboundMessage[];
  lastEventAt: number;
  probeResult: boolean;
  started: boolean;
  shutdowns: number;
  /** Push an inbound message on this connection. */
  message(id: string, text: string, conversation?: string): void;
}

/**
 * A scriptable adapter kind: every (re)start takes the next behaviour from `plan` ("ok" once
 * the plan is used up) and tracks how many connections are live at once.
 */
export class FakeKind {
  conns: FakeConn[] = [];
  plan: Behaviour[] = [];
  live = 0;
  maxLive = 0;
  /** Throw from shutdown (after the teardown work) to test error reporting order. */
  shutdownError: Error | null = null;
  onShutdown: (() => void) | null = null;

  get factory(): AdapterFactory {
    return (ctx: AdapterContext) => this.#create(ctx);
  }

  /** Connections of one adapter name. */
  of(name: string): FakeConn[] {
    return this.conns.filter((c) => c.name === name);
  }

  #create(ctx: AdapterContext): Adapter {
    const behaviour = this.plan.shift() ?? "ok";
    const conn: FakeConn = {
      index: this.conns.length,
      name: ctx.name,
      config: ctx.config,
      queue: new AsyncQueue<AdapterEvent>(),
      sent: [],
      lastEventAt: 0,
      probeResult: true,
      started: false,
      shutdowns: 0,
      message(id, text, conversation = "conv") {
        this.lastEventAt = ctx.clock.now();
        this.queue.push({ type: "message", message: { id, conversation, user: "u", text } });
      },
    };
    this.conns.push(conn);
    let counted = false;
    const kind = this;
    return {
      name: ctx.name,
      kind: "fake",
      get lastEventAt() {
        return conn.lastEventAt;
      },
      async start(signal) {
        if (behaviour === "fail") throw new Error(`connect refused (attempt ${conn.index})`);
        if (behaviour === "auth") throw new TerminalError("token rejected (401 Unauthorized)");
        if (behaviour === "hang") await new Promise((_, rej) => signal.addEventListener("abort", () => rej(new Error("aborted")), { once: true }));
        conn.started = true;
        counted = true;
        kind.live++;
        kind.maxLive = Math.max(kind.maxLive, kind.live);
        conn.lastEventAt = ctx.clock.now();
        return conn.queue;
      },
      async send(m) {
        conn.sent.push(m);
      },
      async shutdown() {
        conn.shutdowns++;
        if (counted) {
          counted = false;
          kind.live--;
        }
        conn.queue.end();
        kind.onShutdown?.();
        if (kind.shutdownError) throw kind.shutdownError;
      },
      async probe() {
        return conn.probeResult;
      },
    };
  }
}

/** `[adapters.NAME]` with kind = "fake": the supervision timings, plus whatever a test adds (it shows up in fingerprints). */
const fakeConfigSchema = z.looseObject({ kind: z.literal("fake"), ...supervision(300_000) });

/**
 * Register kind "fake" through the public registry for the calling test file (from its
 * beforeAll to its afterAll), the way any kind reaches the adapter manager. The returned
 * function chooses what the kind loads for the adapters created from then on.
 */
export function registerFakeKind(): (load: () => Promise<AdapterFactory>) => void {
  let current: (() => Promise<AdapterFactory>) | null = null;
  const kind = defineAdapterKind({
    kind: "fake",
    configSchema: fakeConfigSchema,
    load: () => {
      if (current === null) throw new Error("registerFakeKind: no factory chosen for kind \"fake\"");
      return current();
    },
  });
  let off: (() => void) | null = null;
  beforeAll(() => {
    off = registerAdapterKind(kind);
  });
  afterAll(() => off?.());
  return (load) => {
    current = load;
  };
}
