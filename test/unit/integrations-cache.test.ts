import { describe, expect, test } from "bun:test";
import { activeSet, IntegrationsCache, isActiveStatus } from "../../src/core/integrations/cache.ts";
import type { SourceTool } from "../../src/core/integrations/types.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

// Seed 000's six regression cases, plus "a fetch error is never cached" (that one is the hub's:
// see integrations-hub.test.ts), against the cache of semantics §6.
const tool = (name: string, toolkit: string): SourceTool => ({ name, toolkit, inputSchema: { type: "object" } });
const conn = (toolkit: string, status: string | null) => ({ toolkit, status });

function cacheWith(active: string[], clock = new FakeClock()) {
  const lines: string[] = [];
  const cache = new IntegrationsCache(clock, 60_000, (l) => lines.push(l));
  cache.set("composio#a", active.map((t) => tool(`${t.toUpperCase()}_X`, t)), new Set(active));
  return { cache, lines, clock };
}

describe("integrations cache (seed 000)", () => {
  test("a connection becoming active invalidates the entry built before it, and says what was added", () => {
    const { cache, lines } = cacheWith([]);
    const diverged = cache.sync(activeSet([conn("gmail", "ACTIVE")]));
    expect(diverged).toEqual([{ key: "composio#a", added: ["gmail"], removed: [] }]);
    expect(cache.get("composio#a")).toBeUndefined();
    expect(lines.some((l) => l.includes("diverged") && l.includes("added [gmail]"))).toBe(true);
  });

  test("a disconnect invalidates the entry and names what was removed", () => {
    const { cache } = cacheWith(["gmail", "github"]);
    expect(cache.sync(activeSet([conn("github", "ACTIVE")]))).toEqual([{ key: "composio#a", added: [], removed: ["gmail"] }]);
    expect(cache.get("composio#a")).toBeUndefined();
  });

  test("steady state keeps the entry (the same set in another order and case)", () => {
    const { cache, lines } = cacheWith(["gmail", "github"]);
    expect(cache.sync(activeSet([conn(" GitHub ", "ACTIVE"), conn("gmail", "active")]))).toEqual([]);
    expect(cache.get("composio#a")?.tools).toHaveLength(2);
    expect(lines).toEqual([]);
  });

  test("rows that are not active are ignored", () => {
    const { cache } = cacheWith(["gmail"]);
    const live = activeSet([conn("gmail", "ACTIVE"), conn("slack", "INITIATED"), conn("notion", "EXPIRED"), conn("jira", "FAILED"), conn("x", null)]);
    expect([...live]).toEqual(["gmail"]);
    expect(cache.sync(live)).toEqual([]);
    expect(cache.get("composio#a")).toBeDefined();
  });

  test("CONNECTED counts the same as ACTIVE, whatever the case and spaces", () => {
    expect(["ACTIVE", "CONNECTED", " connected ", "Active"].every(isActiveStatus)).toBe(true);
    expect(["INITIATED", "INITIALIZING", "EXPIRED", "INACTIVE", "", null].some(isActiveStatus)).toBe(false);
    const { cache } = cacheWith(["gmail"]);
    expect(cache.sync(activeSet([conn("gmail", "CONNECTED")]))).toEqual([]);
    expect(cache.get("composio#a")).toBeDefined();
  });

  test("an entry expires after the TTL by the injected clock, not before", async () => {
    const { cache, clock, lines } = cacheWith(["gmail"]);
    await clock.advance(59_999);
    expect(cache.get("composio#a")).toBeDefined();
    expect(cache.age("composio#a")).toBe(59_999);
    await clock.advance(1);
    expect(cache.get("composio#a")).toBeUndefined();
    expect(cache.age("composio#a")).toBeNull();
    expect(lines.some((l) => l.includes("expired"))).toBe(true);
  });

  test("an empty listing is cached; entries without an active set (MCP) are never diverged by a connections listing", () => {
    const clock = new FakeClock();
    const cache = new IntegrationsCache(clock, 60_000, () => {});
    cache.set("composio#a", [], new Set());
    cache.set("mcp:files#1", [tool("read_text_file", "")], null);
    expect(cache.get("composio#a")?.tools).toEqual([]);
    expect(cache.sync(new Set())).toEqual([]);
    expect(cache.sync(new Set(["gmail"])).map((d) => d.key)).toEqual(["composio#a"]);
    expect(cache.get("mcp:files#1")).toBeDefined();
  });
});
