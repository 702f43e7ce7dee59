import { expect, test } from "bun:test";
import { PendingReplies, replyKey } from "../../src/core/adapters/webhook/pending.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

const reply = (text: string) => ({ status: 200, body: { reply: text } });
const timeout = () => ({ status: 504, body: null });

test("a reply answers only the requests the gateway accepted; one still waiting for its verdict gets nothing of it", async () => {
  const p = new PendingReplies(systemClock);
  const key = replyKey("c", "x");
  const first = p.wait(key, 5_000, timeout);
  first.join();
  const retry = p.wait(key, 5_000, timeout);
  retry.join();
  const newcomer = p.wait(key, 5_000, timeout);
  expect(p.settle(key, reply("alice's answer")).answered).toBe(2);
  expect(await first.outcome).toEqual(reply("alice's answer"));
  expect(await retry.outcome).toEqual(reply("alice's answer"));
  // The newcomer's verdict then comes in: refused, with its own answer.
  newcomer.answer({ status: 409, body: { error: "id_conflict" } });
  expect(await newcomer.outcome).toEqual({ status: 409, body: { error: "id_conflict" } });
});

test("shutdown answers every wait, joined or not, and a wait times out by itself", async () => {
  const p = new PendingReplies(systemClock);
  const a = p.wait(replyKey("c", "1"), 5_000, timeout);
  a.join();
  const b = p.wait(replyKey("c", "2"), 5_000, timeout);
  p.settleAll({ status: 503, body: null });
  expect((await a.outcome).status).toBe(503);
  expect((await b.outcome).status).toBe(503);
  const c = p.wait(replyKey("c", "3"), 10, timeout);
  expect((await c.outcome).status).toBe(504);
});

test("a wait expires on the adapter's clock: not a moment before its timeout, at once after", async () => {
  const clock = new FakeClock();
  const p = new PendingReplies(clock);
  let outcome: { status: number } | null = null;
  void p.wait(replyKey("c", "slow"), 5_000, timeout).outcome.then((o) => (outcome = o));
  await clock.advance(4_999);
  expect(outcome).toBeNull();
  await clock.advance(1);
  expect(outcome!.status).toBe(504);
  // An answered wait leaves no timer behind.
  const answered = p.wait(replyKey("c", "fast"), 5_000, timeout);
  answered.answer(reply("done"));
  expect(await answered.outcome).toEqual(reply("done"));
  expect(clock.pending).toBe(0);
});
