import { expect, test } from "bun:test";
import { EventBus } from "../../src/core/events.ts";
import { collectAfterBursts } from "../../src/core/idle-gc.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

test("memory is collected once after a burst of messages ends, never during one and never when idle", async () => {
  const clock = new FakeClock();
  const bus = new EventBus(clock);
  let collections = 0;
  const stop = collectAfterBursts(bus, clock, () => collections++);
  await clock.advance(10_000);
  expect(collections).toBe(0); // idle: nothing to give back
  const message = () => bus.emit({ type: "message.outbound", adapter: "a", conversation: "c", text: "x" });
  for (let i = 0; i < 40; i++) {
    message();
    await clock.advance(250); // a burst: a message every 250 ms for 10 s
  }
  expect(collections).toBe(0);
  await clock.advance(4_000);
  expect(collections).toBe(1);
  await clock.advance(20_000);
  expect(collections).toBe(1);
  stop();
  message();
  await clock.advance(10_000);
  expect(collections).toBe(1);
});

test("other bursty work (an integrations listing) marks itself and is collected after too", async () => {
  const clock = new FakeClock();
  const bus = new EventBus(clock);
  let collections = 0;
  const gc = collectAfterBursts(bus, clock, () => collections++);
  await clock.advance(10_000);
  expect(collections).toBe(0);
  gc.mark();
  await clock.advance(4_000);
  expect(collections).toBe(1);
  gc();
});
