import type { Adapter, AdapterEvent, AdapterFactory, OutboundMessage } from "../../../src/core/adapters/types.ts";
import { AsyncQueue } from "../../../src/core/util/queue.ts";
import type { ThrowawayConfig } from "./kind.ts";

/** Everything the throwaway adapters of this process sent, and the greeting each was built with. */
export const throwawayLog: { greetings: string[]; sent: OutboundMessage[] } = { greetings: [], sent: [] };

/** Connects at once, delivers nothing on its own, records what it is asked to send. */
export const createThrowawayAdapter: AdapterFactory<ThrowawayConfig> = (ctx): Adapter => {
  // Typed by the kind's schema: `greeting` is a string here without any cast.
  throwawayLog.greetings.push(ctx.config.greeting);
  const queue = new AsyncQueue<AdapterEvent>();
  let lastEventAt = 0;
  return {
    name: ctx.name,
    kind: "throwaway",
    get lastEventAt() {
      return lastEventAt;
    },
    async start() {
      lastEventAt = ctx.clock.now();
      return queue;
    },
    async send(message) {
      throwawayLog.sent.push(message);
    },
    async shutdown() {
      queue.end();
    },
    async probe() {
      return true;
    },
  };
};
