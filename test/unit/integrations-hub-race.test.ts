import { expect, test } from "bun:test";
import { createConsola } from "consola";
import { integrationsSchema } from "../../src/core/config/integrations-schema.ts";
import { IntegrationHub } from "../../src/core/integrations/hub.ts";
import type { ComposioSource, SourceHealth, SourceTool, ToolkitConnection } from "../../src/core/integrations/types.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { waitUntil } from "../helpers/wait.ts";

// A report that runs while a turn's Composio listing is still under way: the listing started
// before the account became active, so what it stores is already stale; the report must still
// leave the cache in line with the live set it saw (semantics §6: one listing is enough).

const active = (toolkit: string): ToolkitConnection => ({ toolkit, status: "ACTIVE", active: true, accountId: `ca_${toolkit}` });

class HeldComposio implements ComposioSource {
  readonly kind = "composio" as const;
  readonly name = "composio";
  readonly toolkits = ["gmail"];
  accounts: ToolkitConnection[] = [];
  /** The next connections() call answers with the accounts of when it was asked, once this opens. */
  hold: Promise<void> | null = null;
  asked = 0;
  start() {}
  async stop() {}
  health(): SourceHealth {
    return { state: "running", lastError: null, restarts: 0, since: "2026-01-01T00:00:00.000Z" };
  }
  async list(): Promise<SourceTool[]> {
    return [];
  }
  async call() {
    return { text: "", isError: false };
  }
  onChange() {}
  async connections() {
    this.asked++;
    const seen = [...this.accounts];
    const hold = this.hold;
    this.hold = null;
    if (hold) await hold;
    return seen;
  }
  async toolsOf(toolkits: readonly string[]): Promise<SourceTool[]> {
    return toolkits.includes("gmail") ? [{ name: "GMAIL_SEND_EMAIL", toolkit: "gmail", inputSchema: { type: "object" } }] : [];
  }
  async connect() {
    return { redirectUrl: "https://auth.example/x", accountId: null };
  }
  async disconnect() {
    return 0;
  }
}

test("a report during a turn's listing that began before the connection: the cache still follows the live set", async () => {
  const c = new HeldComposio();
  const hub = new IntegrationHub(integrationsSchema.parse({ composio: { api_key: "k", toolkits: ["gmail"] }, cache_ttl_ms: 600_000 }), {
    log: createConsola({ level: 0 }),
    clock: new FakeClock(),
    random: () => 0.5,
    env: {},
    redact: (t) => t,
    mcp: () => {
      throw new Error("no MCP here");
    },
    composio: () => c,
  });
  let open!: () => void;
  c.hold = new Promise<void>((r) => (open = r));
  // A turn lists (no account yet) and its answer is slow to come back.
  const turn = hub.offered(new AbortController().signal);
  await Promise.resolve();
  c.accounts = [active("gmail")];
  const report = hub.report();
  await waitUntil(() => c.asked === 2, "the report to list connections");
  // One macrotask: the report's own continuations (sync, then waiting on the listing under way) all run first.
  await new Promise((r) => setImmediate(r));
  open();
  await turn;
  expect((await report).sources.map((s) => [s.name, s.state])).toEqual([["composio:gmail", "ok"]]);
  expect((await hub.offered(new AbortController().signal)).map((t) => t.definition.function.name)).toEqual(["GMAIL_SEND_EMAIL"]);
});
