import { expect, test } from "bun:test";
import { collect, defineProvider, KnownDeltas } from "../../src/core/providers/collect.ts";
import type { ProviderDelta } from "../../src/core/providers/types.ts";

// A reply known whole is folded without awaiting each delta; it must read exactly as the same
// deltas streamed one by one (text, tool calls merged by index, usage, finish reason).
const DELTAS: ProviderDelta[] = [
  { type: "text", text: "a" },
  { type: "tool_call", index: 1, name: "second", arguments: "{}" },
  { type: "tool_call", index: 0, id: "c0", name: "first", arguments: '{"x":' },
  { type: "tool_call", index: 0, arguments: "1}" },
  { type: "text", text: "b" },
  { type: "usage", usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } },
  { type: "finish", reason: "tool_calls" },
];

async function* streamed(deltas: ProviderDelta[]): AsyncGenerator<ProviderDelta> {
  for (const d of deltas) yield d;
}

test("a known stream collects, streams and completes exactly as the same deltas streamed", async () => {
  const known = new KnownDeltas(DELTAS);
  const expected = await collect(streamed(DELTAS));
  expect(expected.toolCalls.map((c) => c.function.name)).toEqual(["first", "second"]);
  expect(await collect(known)).toEqual(expected);
  const seen: ProviderDelta[] = [];
  for await (const d of known) seen.push(d);
  expect(seen).toEqual(DELTAS);
  const p = defineProvider({ name: "k", label: "k", stream: () => new KnownDeltas(DELTAS) });
  expect(await p.complete([{ role: "user", content: "hi" }], new AbortController().signal)).toBe("ab");
});

test("a known stream with a nameless tool call fails complete() as the streamed one does", async () => {
  const bad: ProviderDelta[] = [{ type: "tool_call", index: 0, arguments: "{}" }];
  const p = defineProvider({ name: "k", label: "k", stream: () => new KnownDeltas(bad) });
  await expect(collect(streamed(bad))).rejects.toThrow("without a name");
  await expect(p.complete([{ role: "user", content: "hi" }], new AbortController().signal)).rejects.toThrow("without a name");
});
