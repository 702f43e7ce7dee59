import { expect, test } from "bun:test";
import { fitHistory, HistoryCache } from "../../src/core/sessions/context.ts";

const h = (chars: number) => [{ role: "user" as const, content: "x".repeat(chars) }];

test("the history cache keeps at most its session count and its characters, least recently used out first", () => {
  const c = new HistoryCache(3, 1_000);
  for (const k of ["a", "b", "c"]) c.set(k, h(100));
  expect(c.size).toBe(3);
  c.get("a"); // a is now the most recent
  c.set("d", h(100)); // one over the count: b goes
  expect([c.get("a"), c.get("b"), c.get("c"), c.get("d")].map((x) => x !== undefined)).toEqual([true, false, true, true]);
  // At the character bound exactly: kept; one character over: the oldest go until it fits.
  const chars = new HistoryCache(100, 1_000);
  chars.set("p", h(500));
  chars.set("q", h(500));
  expect(chars.size).toBe(2);
  chars.set("r", h(1));
  expect(chars.get("p")).toBeUndefined();
  expect(chars.size).toBe(2);
  // A history larger than the whole bound is not cached at all (read from the store each turn).
  chars.set("huge", h(1_001));
  expect(chars.get("huge")).toBeUndefined();
});

test("the prompt's history keeps the newest messages within the budget and starts at a user message", () => {
  const msgs = [
    { role: "user" as const, content: "a".repeat(40) },
    { role: "assistant" as const, content: "b".repeat(40) },
    { role: "user" as const, content: "c".repeat(40) },
    { role: "assistant" as const, content: "d".repeat(40) },
  ];
  // Each costs 14 estimated tokens: 42 fits three, which would open with an assistant reply, so two.
  expect(fitHistory(msgs, 42).map((m) => m.content[0])).toEqual(["c", "d"]);
  expect(fitHistory(msgs, 56).map((m) => m.content[0])).toEqual(["a", "b", "c", "d"]);
  expect(fitHistory(msgs, 55).map((m) => m.content[0])).toEqual(["c", "d"]);
});
