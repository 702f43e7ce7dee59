import { describe, expect, test } from "bun:test";
import type { BosunEvent } from "../../src/core/events.ts";
import { emptyStatus, type AdapterStatus } from "../../src/core/status.ts";
import { reduceStatus } from "../../src/core/status-reducer.ts";

const adapter: AdapterStatus = { name: "web", kind: "webchat", state: "running", restarts: 0, since: "x", lastError: null, nextRetryAt: null, lastInboundAt: null, lastOutboundAt: null };
const msg = (type: "message.inbound" | "message.outbound", at: string, name = "web"): BosunEvent =>
  type === "message.inbound" ? { type, at, adapter: name, conversation: "c", user: "u", text: "hi" } : { type, at, adapter: name, conversation: "c", text: "hi" };

describe("message counts in the adapter status", () => {
  test("inbound and outbound messages are counted per adapter, and survive the supervisor's state updates", () => {
    const events: BosunEvent[] = [
      { type: "adapter.state", at: "t0", adapter },
      { type: "adapter.state", at: "t0", adapter: { ...adapter, name: "irc" } },
      msg("message.inbound", "t1"),
      msg("message.outbound", "t2"),
      msg("message.inbound", "t3"),
      msg("message.inbound", "t3", "irc"),
      // A restart: the supervisor's status carries the last-activity times but no counts.
      { type: "adapter.state", at: "t4", adapter: { ...adapter, state: "starting", restarts: 1, lastInboundAt: "t3", lastOutboundAt: "t2" } },
    ];
    const s = events.reduce(reduceStatus, emptyStatus("1"));
    const web = s.adapters.find((a) => a.name === "web")!;
    expect(web).toMatchObject({ state: "starting", messagesIn: 2, messagesOut: 1, lastInboundAt: "t3", lastOutboundAt: "t2" });
    expect(s.adapters.find((a) => a.name === "irc")).toMatchObject({ messagesIn: 1, messagesOut: 0 });
    // A fresh adapter starts at zero, and its JSON says so.
    const fresh = reduceStatus(emptyStatus("1"), { type: "adapter.state", at: "t0", adapter });
    expect(JSON.parse(JSON.stringify(fresh)).adapters[0]).toMatchObject({ messagesIn: 0, messagesOut: 0 });
  });

  test("a snapshot carries the counts, so an attached view folding later events agrees with the gateway", () => {
    const gateway = [{ type: "adapter.state", at: "t0", adapter } as BosunEvent, msg("message.inbound", "t1")].reduce(reduceStatus, emptyStatus("1"));
    const later = [msg("message.outbound", "t2"), msg("message.inbound", "t3")];
    const attached = [{ type: "snapshot", at: "t1", status: gateway } as BosunEvent, ...later].reduce(reduceStatus, emptyStatus("1"));
    expect(attached).toEqual(later.reduce(reduceStatus, gateway));
    expect(attached.adapters[0]).toMatchObject({ messagesIn: 2, messagesOut: 1 });
  });
});
