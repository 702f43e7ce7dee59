import { expect, test } from "bun:test";
import { MAX_CALLS, ToolCallParts } from "../../src/core/providers/collect.ts";

test("a reply's tool calls are bounded: a stream of new indexes keeps the first MAX_CALLS", () => {
  const parts = new ToolCallParts();
  for (let i = 0; i < 10_000; i++) parts.add({ type: "tool_call", index: i, id: `c${i}`, name: "t", arguments: "{}" });
  const calls = parts.calls();
  expect(calls).toHaveLength(MAX_CALLS);
  expect(calls[0]!.id).toBe("c0");
  expect(calls.at(-1)!.id).toBe(`c${MAX_CALLS - 1}`);
});

test("two calls with the same id get distinct ids (each tool message must name its call)", () => {
  const parts = new ToolCallParts();
  parts.add({ type: "tool_call", index: 0, id: "same", name: "a", arguments: "{}" });
  parts.add({ type: "tool_call", index: 1, id: "same", name: "b", arguments: "{}" });
  expect(parts.calls().map((c) => c.id)).toEqual(["same", "same_1"]);
});
