import { expect, test } from "bun:test";
import { waitForActive } from "../../src/core/integrations/composio/await-active.ts";
import { AbortedError } from "../../src/core/util/abort.ts";
import { advanceUntil, FakeClock, settle } from "../helpers/fake-clock.ts";

/** A check that records when (in fake ms since the start) it was asked, answering from `answers` (last one repeats). */
function checker(clock: FakeClock, answers: Array<boolean | Error>) {
  const t0 = clock.now();
  const at: number[] = [];
  const check = async () => {
    at.push(clock.now() - t0);
    const a = answers[Math.min(at.length - 1, answers.length - 1)]!;
    if (a instanceof Error) throw a;
    return a;
  };
  return { at, check };
}

function track<T>(p: Promise<T>) {
  const s: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then((v) => Object.assign(s, { done: true, value: v }), (e) => Object.assign(s, { done: true, error: e }));
  return s;
}

test("polls with backoff 0.5 s doubling to 4 s until the account is active", async () => {
  const clock = new FakeClock();
  const c = checker(clock, [false, false, false, false, false, false, true]);
  const r = track(waitForActive(c.check, clock, {}, new AbortController().signal));
  await advanceUntil(clock, () => r.done, 100);
  expect(r.value).toBe(true);
  // Waits 500, 1000, 2000, 4000, 4000, 4000.
  expect(c.at).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500]);
});

test("gives up after the timeout (60 s by default), with a last check at the deadline", async () => {
  const clock = new FakeClock();
  const c = checker(clock, [false]);
  const r = track(waitForActive(c.check, clock, {}, new AbortController().signal));
  await clock.advance(59_999);
  expect(r.done).toBe(false);
  await clock.advance(1);
  await settle();
  expect(r.value).toBe(false);
  expect(c.at.at(-1)).toBe(60_000);
  expect(clock.pending).toBe(0);
});

test("a failing check is retried; an error at the end is reported", async () => {
  const clock = new FakeClock();
  const c = checker(clock, [new Error("Composio answered 503: down"), true]);
  const r = track(waitForActive(c.check, clock, { timeoutMs: 5_000 }, new AbortController().signal));
  await advanceUntil(clock, () => r.done, 100);
  expect(r.value).toBe(true);

  const c2 = checker(clock, [new Error("could not reach Composio: ECONNREFUSED")]);
  const r2 = track(waitForActive(c2.check, clock, { timeoutMs: 5_000 }, new AbortController().signal));
  await advanceUntil(clock, () => r2.done, 100);
  expect(String((r2.error as Error).message)).toBe("still not active after 5 s; the last check failed: could not reach Composio: ECONNREFUSED");
});

test("the caller's signal stops the wait", async () => {
  const clock = new FakeClock();
  const c = checker(clock, [false]);
  const ac = new AbortController();
  const r = track(waitForActive(c.check, clock, {}, ac.signal));
  await clock.advance(600);
  ac.abort();
  await settle();
  expect(r.error).toBeInstanceOf(AbortedError);
  expect(c.at).toEqual([0, 500]);
});
