import { describe, expect, test } from "bun:test";
import { localApi, type LocalGateway } from "../../src/core/control/local.ts";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import { emptyStatus } from "../../src/core/status.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

const unused = () => {
  throw new Error("not used by this test");
};

/** A gateway whose bus runs on `clock`; only what the event stream reads is real. */
function gatewayOn(clock: FakeClock): LocalGateway {
  return {
    bus: new EventBus(clock),
    snapshot: () => emptyStatus("test"),
    catalog: () => [],
    session: async () => null,
    restore: async () => ({ restored: [], failed: [], queued: 0, found: false }),
    listSessions: async () => ({ sessions: [], nextCursor: null }),
    steerSession: async () => null,
    installList: async () => [],
    integrations: { report: unused, tools: unused, connect: unused, disconnect: unused },
    log: { info() {}, warn() {} },
    stop: unused,
    send: unused,
    control: unused,
    install: unused,
    installer: { cancel: unused, uninstall: unused, entry: unused, filePaths: unused },
  };
}

describe("the event stream keeps the gateway's time", () => {
  test("the opening snapshot and later events are stamped by the injected clock", async () => {
    const clock = new FakeClock(Date.parse("2030-05-06T07:08:09.000Z"));
    const g = gatewayOn(clock);
    const seen: BosunEvent[] = [];
    const ac = new AbortController();
    const streaming = localApi(g, "dashboard").events((e) => void seen.push(e), ac.signal);
    await clock.advance(1_500);
    g.bus.emit({ type: "config.reloaded", configPath: null });
    ac.abort();
    await streaming;
    expect(seen.map((e) => [e.type, e.at])).toEqual([
      ["snapshot", "2030-05-06T07:08:09.000Z"],
      ["config.reloaded", "2030-05-06T07:08:10.500Z"],
    ]);
  });
});
