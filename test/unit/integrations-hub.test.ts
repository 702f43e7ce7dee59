import { describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { integrationsSchema } from "../../src/core/config/integrations-schema.ts";
import { IntegrationHub } from "../../src/core/integrations/hub.ts";
import type { ComposioSource, SourceHealth, SourceReport, SourceTool, ToolkitConnection, ToolResult, ToolSource } from "../../src/core/integrations/types.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

// The hub over sources that are plain objects a test steers (the real MCP and Composio sources
// have their own tests against real servers): the cache of semantics §6 as the agent sees it,
// every "why not offered" reason, and what a call does with bad input.

const obj = (props: Record<string, unknown> = {}, required: string[] = []) => ({ type: "object", properties: props, required });

class FakeMcp implements ToolSource {
  readonly kind = "mcp" as const;
  tools: SourceTool[] = [];
  state: SourceHealth["state"] = "running";
  lastError: string | null = null;
  lists = 0;
  calls: Array<{ name: string; args: Record<string, unknown> }> = [];
  answer: (name: string, args: Record<string, unknown>, signal: AbortSignal) => Promise<ToolResult> = async (name, args) => ({ text: `${name}(${JSON.stringify(args)})`, isError: false });
  listeners: Array<(why: string) => void> = [];
  constructor(readonly name: string) {}
  start() {}
  async stop() {}
  health(): SourceHealth {
    return { state: this.state, lastError: this.lastError, restarts: 0, since: "2026-01-01T00:00:00.000Z" };
  }
  /** When set, a listing waits for it (and lists the tools as they were when it started). */
  gate: Promise<void> | null = null;
  async list() {
    this.lists++;
    if (this.state !== "running") throw new Error("not running");
    const tools = this.tools;
    if (this.gate) await this.gate;
    return tools;
  }
  call(name: string, args: Record<string, unknown>, signal: AbortSignal) {
    this.calls.push({ name, args });
    return this.answer(name, args, signal);
  }
  onChange(l: (why: string) => void) {
    this.listeners.push(l);
  }
  change(why: string) {
    for (const l of this.listeners) l(why);
  }
}

class FakeComposio extends FakeMcp implements ComposioSource {
  // @ts-expect-error the fake's kind differs from its base's on purpose
  override readonly kind = "composio" as const;
  accounts: ToolkitConnection[] = [];
  byToolkit = new Map<string, SourceTool[]>();
  failConnections: string | null = null;
  connectionCalls = 0;
  constructor(readonly toolkits: readonly string[]) {
    super("composio");
  }
  async connections() {
    this.connectionCalls++;
    if (this.failConnections) throw new Error(this.failConnections);
    return this.accounts;
  }
  async toolsOf(toolkits: readonly string[]) {
    this.lists++;
    return toolkits.flatMap((t) => this.byToolkit.get(t) ?? []);
  }
  async connect() {
    return { redirectUrl: "https://auth.example/x", accountId: "ca_1" };
  }
  async disconnect() {
    return 1;
  }
}

function hubWith(toml: Record<string, unknown>, sources: { mcp?: Record<string, FakeMcp>; composio?: FakeComposio }) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const log = createConsola({ level: 4, reporters: [{ log: (o) => lines.push(`${o.tag} ${o.args.join(" ")}`) }] });
  const rows: SourceReport[][] = [];
  const hub = new IntegrationHub(integrationsSchema.parse(toml), {
    log,
    clock,
    random: () => 0.5,
    env: {},
    redact: (t) => t.replaceAll("sk-secret-123456", "[redacted]"),
    emit: (r) => rows.push(r),
    mcp: (name) => sources.mcp?.[name] ?? new FakeMcp(name),
    composio: () => sources.composio!,
  });
  return { hub, clock, lines, rows };
}

const names = async (hub: IntegrationHub) => (await hub.offered(new AbortController().signal)).map((t) => t.definition.function.name);
const active = (toolkit: string, status = "ACTIVE"): ToolkitConnection => ({ toolkit, status, active: status === "ACTIVE" || status === "CONNECTED", accountId: `ca_${toolkit}` });

describe("the hub's cache (semantics §6) as the agent sees it", () => {
  test("a toolkit connected after the event window is offered after one report, without any event", async () => {
    const c = new FakeComposio(["gmail", "github"]);
    c.byToolkit.set("gmail", [{ name: "GMAIL_SEND_EMAIL", toolkit: "gmail", inputSchema: obj({ to: { type: "string" } }) }]);
    c.byToolkit.set("github", [{ name: "GITHUB_STAR", toolkit: "github", inputSchema: obj() }]);
    c.accounts = [active("github")];
    const { hub, lines } = hubWith({ composio: { api_key: "k", toolkits: ["gmail", "github"] } }, { composio: c });
    expect(await names(hub)).toEqual(["GITHUB_STAR"]);
    // The user finishes OAuth long after any connect event could have fired.
    c.accounts = [active("github"), active("gmail")];
    expect(await names(hub)).toEqual(["GITHUB_STAR"]); // within the TTL, nothing polled: the cache holds
    const report = await hub.report();
    expect(report.sources.map((r) => [r.name, r.state])).toEqual([
      ["composio:gmail", "ok"],
      ["composio:github", "ok"],
    ]);
    expect(await names(hub)).toEqual(["GITHUB_STAR", "GMAIL_SEND_EMAIL"]);
    expect(lines.some((l) => l.startsWith("integrations") && l.includes("diverged") && l.includes("added [gmail]"))).toBe(true);
  });

  test("without any listing the TTL caps staleness", async () => {
    const c = new FakeComposio(["gmail"]);
    c.byToolkit.set("gmail", [{ name: "GMAIL_SEND_EMAIL", toolkit: "gmail", inputSchema: obj() }]);
    const { hub, clock } = hubWith({ composio: { api_key: "k", toolkits: ["gmail"] }, cache_ttl_ms: 60_000 }, { composio: c });
    expect(await names(hub)).toEqual([]);
    c.accounts = [active("gmail")];
    await clock.advance(59_000);
    expect(await names(hub)).toEqual([]);
    await clock.advance(1_000);
    expect(await names(hub)).toEqual(["GMAIL_SEND_EMAIL"]);
  });

  test("a failed listing is never cached: the next turn asks again, and the report says unavailable with why", async () => {
    const c = new FakeComposio(["gmail"]);
    c.byToolkit.set("gmail", [{ name: "GMAIL_SEND_EMAIL", toolkit: "gmail", inputSchema: obj() }]);
    c.accounts = [active("gmail")];
    c.failConnections = "Composio answered 503";
    const { hub, clock } = hubWith({ composio: { api_key: "k", toolkits: ["gmail"] } }, { composio: c });
    expect(await names(hub)).toEqual([]);
    const r = await hub.report();
    expect(r.sources[0]).toMatchObject({ name: "composio:gmail", state: "unavailable" });
    expect(r.sources[0]!.reason).toContain("503");
    expect(r.sources[0]!.cacheAgeMs).toBeNull();
    c.failConnections = null;
    // Right after a failure a turn does not wait for Composio again: it goes on without, and one
    // listing runs in the background once the retry spacing has passed.
    expect(await names(hub)).toEqual([]);
    expect(c.connectionCalls).toBe(2);
    await clock.advance(15_000);
    await names(hub);
    await Promise.resolve();
    expect(c.connectionCalls).toBe(3);
    expect(await names(hub)).toEqual(["GMAIL_SEND_EMAIL"]);
  });

  test("an MCP server that goes down is not offered; its restart event brings its tools back at once", async () => {
    const files = new FakeMcp("files");
    files.tools = [{ name: "read_text_file", inputSchema: obj({ path: { type: "string" } }, ["path"]) }];
    const { hub, rows } = hubWith({ mcp: { files: { command: ["x"] } } }, { mcp: { files } });
    expect(await names(hub)).toEqual(["read_text_file"]);
    files.state = "backoff";
    files.lastError = "exited (code 1): boom";
    files.change("down");
    expect(await names(hub)).toEqual([]);
    expect(rows.at(-1)![0]).toMatchObject({ name: "files", state: "backoff", reason: "MCP server files is down (backoff): exited (code 1): boom" });
    const why = await hub.tools("files");
    expect(why[0]!.notes[0]!.code).toBe("source_down");
    files.state = "running";
    files.tools = [...files.tools, { name: "list_directory", inputSchema: obj() }];
    files.change("running");
    expect(await names(hub)).toEqual(["list_directory", "read_text_file"]);
  });
});

describe("why a tool is not offered", () => {
  test("allow, deny, schema, collision, characters and the limit each leave a note, and the offer never depends on listing order", async () => {
    const a = new FakeMcp("alpha");
    a.tools = [
      { name: "search", inputSchema: obj() },
      { name: "write_file", inputSchema: obj() },
      { name: "read.file", inputSchema: obj() },
      { name: "bad_schema", inputSchema: { type: "string" } },
    ];
    const b = new FakeMcp("beta");
    b.tools = [
      { name: "search", inputSchema: obj() },
      { name: "zeta", inputSchema: obj() },
      { name: "omega", inputSchema: obj() },
    ];
    const { hub } = hubWith(
      { max_tools: 4, mcp: { beta: { url: "http://127.0.0.1:1/mcp", allow: ["search", "zet*", "omega"] }, alpha: { command: ["x"], deny: ["write_*"] } } },
      { mcp: { alpha: a, beta: b } },
    );
    expect(await names(hub)).toEqual(["read_file", "search", "omega", "beta_search"]);
    const tools = await hub.tools();
    const note = (source: string, name: string) => tools.find((t) => t.source === source && t.name === name)!.notes.map((n) => n.code);
    expect(note("alpha", "write_file")).toEqual(["denied"]);
    expect(note("alpha", "bad_schema")).toEqual(["schema_rejected"]);
    expect(note("alpha", "read.file")).toEqual(["renamed"]);
    expect(note("beta", "search")).toEqual(["renamed"]);
    expect(note("beta", "zeta")).toEqual(["over_limit"]);
    const report = await hub.report();
    expect(report).toMatchObject({ offered: 4, maxTools: 4 });
    expect(report.sources.find((r) => r.name === "alpha")!.reason).toBe("2 of 4 not offered: 1 denied, 1 schema rejected; 1 renamed");
    b.tools = [{ name: "other", inputSchema: obj() }];
    expect((await hub.tools("beta")).map((t) => t.name)).toEqual(["omega", "search", "zeta"]); // cached within the TTL
    const c = new FakeMcp("gamma");
    c.tools = [{ name: "nope", inputSchema: obj() }];
    const { hub: h2 } = hubWith({ mcp: { gamma: { command: ["x"], allow: ["read_*"] } } }, { mcp: { gamma: c } });
    expect((await h2.tools("gamma"))[0]!.notes).toEqual([{ code: "not_allowed", message: 'matches no allow pattern in [integrations.mcp.gamma] ("read_*")' }]);
  });

  test("a toolkit not connected at Composio says so and how to connect it; an unknown source is an error naming the configured ones", async () => {
    const c = new FakeComposio(["gmail"]);
    c.accounts = [{ toolkit: "gmail", status: "INITIATED", active: false, accountId: "ca_1" }];
    const { hub } = hubWith({ composio: { api_key: "k", toolkits: ["gmail"] } }, { composio: c });
    const r = await hub.report();
    expect(r.sources).toEqual([expect.objectContaining({ name: "composio:gmail", state: "not_connected", reason: "not connected at Composio (its account is INITIATED): run `bosun integrations connect gmail`" })]);
    await expect(hub.tools("nothing")).rejects.toThrow('no tool source is named "nothing"');
  });
});

describe("a call the model made", () => {
  test("bad JSON, arguments against the schema and unknown names go back as errors without calling the tool", async () => {
    const files = new FakeMcp("files");
    files.tools = [{ name: "read_text_file", inputSchema: obj({ path: { type: "string" } }, ["path"]) }];
    const { hub } = hubWith({ mcp: { files: { command: ["x"] } } }, { mcp: { files } });
    const signal = new AbortController().signal;
    const offered = await hub.offered(signal);
    const call = (name: string, args: string) => hub.run({ id: "c1", type: "function", function: { name, arguments: args } }, offered, signal);
    expect(await call("read_text_file", "{not json")).toMatchObject({ isError: true, source: "files" });
    expect((await call("read_text_file", '{"path": 3}')).result).toContain("arguments/path must be string");
    expect((await call("read_text_file", "{}")).result).toContain("required property 'path'");
    expect((await call("nope", "{}")).result).toContain('No tool named "nope" is offered. Offered: read_text_file.');
    // Arguments the stream cut at its bound are said to be too large, not malformed.
    expect((await call("read_text_file", `{"path":"${"a".repeat(1_000_000)}`)).result).toContain("too large");
    expect(files.calls).toEqual([]);
    const ok = await call("read_text_file", '{"path":"a.txt"}');
    expect(ok).toMatchObject({ isError: false, result: 'read_text_file({"path":"a.txt"})', name: "read_text_file", source: "files" });
    expect(files.calls).toEqual([{ name: "read_text_file", args: { path: "a.txt" } }]);
  });

  test("a source that never answers is cut off after its call timeout; results are redacted", async () => {
    const files = new FakeMcp("files");
    files.tools = [{ name: "slow", inputSchema: obj() }, { name: "leak", inputSchema: obj() }];
    files.answer = (name) => (name === "slow" ? new Promise<ToolResult>(() => {}) : Promise.resolve({ text: "key is sk-secret-123456", isError: false }));
    const { hub, clock } = hubWith({ mcp: { files: { command: ["x"], call_timeout_ms: 1_000 } } }, { mcp: { files } });
    const signal = new AbortController().signal;
    const offered = await hub.offered(signal);
    const pending = hub.run({ id: "c1", type: "function", function: { name: "slow", arguments: "" } }, offered, signal);
    await clock.advance(3_000);
    expect(await pending).toMatchObject({ isError: true, result: "The tool slow did not answer within 1000 ms." });
    expect((await hub.run({ id: "c2", type: "function", function: { name: "leak", arguments: "{}" } }, offered, signal)).result).toBe("key is [redacted]");
  });
});

describe("listings that race with changes", () => {
  const gated = () => {
    let open!: () => void;
    return { gate: new Promise<void>((r) => (open = r)), open: () => open() };
  };

  test("tools/list_changed during a listing lists again: the listing from before it is not joined or kept", async () => {
    const files = new FakeMcp("files");
    files.tools = [{ name: "old_tool", inputSchema: obj() }];
    const g = gated();
    files.gate = g.gate;
    const { hub, clock } = hubWith({ mcp: { files: { command: ["x"] } } }, { mcp: { files } });
    const signal = new AbortController().signal;
    const first = hub.offered(signal); // lists old_tool, held at the gate
    files.tools = [{ name: "old_tool", inputSchema: obj() }, { name: "new_tool", inputSchema: obj() }];
    files.gate = null;
    files.change("tools/list_changed");
    g.open();
    await first;
    const next = names(hub); // waits for the listing the notification is due
    await clock.advance(100);
    expect(await next).toEqual(["new_tool", "old_tool"]);
    expect(files.lists).toBe(2);
  });

  test("after a restart the old process's tools are not offered while the new listing is slow", async () => {
    const files = new FakeMcp("files");
    files.tools = [{ name: "old_tool", inputSchema: obj() }];
    const { hub, clock } = hubWith({ mcp: { files: { command: ["x"] } } }, { mcp: { files } });
    expect(await names(hub)).toEqual(["old_tool"]);
    const g = gated();
    files.gate = g.gate;
    files.change("running (pid 2)");
    const pending = names(hub);
    await clock.advance(10_000);
    expect(await pending).toEqual([]);
    // Past its first 10 s a slow listing is not waited for by turns any more; it lands when it lands.
    expect(await names(hub)).toEqual([]);
    g.open();
    await hub.report();
    expect(await names(hub)).toEqual(["old_tool"]);
  });

  test("a tool's offered name does not change when a namesake in another source goes down", async () => {
    const aaa = new FakeMcp("aaa");
    aaa.tools = [{ name: "read_file", inputSchema: obj() }];
    const files = new FakeMcp("files");
    files.tools = [{ name: "read_file", inputSchema: obj() }];
    const { hub } = hubWith({ mcp: { aaa: { command: ["x"] }, files: { command: ["y"] } } }, { mcp: { aaa, files } });
    expect(await names(hub)).toEqual(["read_file", "files_read_file"]);
    aaa.state = "backoff";
    aaa.change("down");
    expect(await names(hub)).toEqual(["files_read_file"]);
  });

  test("the first turn waits (bounded) for a server still on its first start; a restarting one is not waited for", async () => {
    const files = new FakeMcp("files");
    files.tools = [{ name: "read_text_file", inputSchema: obj() }];
    files.state = "starting";
    const { hub, clock } = hubWith({ mcp: { files: { command: ["x"] } } }, { mcp: { files } });
    const first = names(hub);
    await clock.advance(500);
    files.state = "running";
    files.change("running");
    await clock.advance(100);
    expect(await first).toEqual(["read_text_file"]);
    const never = new FakeMcp("never");
    never.state = "starting";
    const { hub: h2, clock: c2 } = hubWith({ mcp: { never: { command: ["x"] } } }, { mcp: { never } });
    const second = names(h2);
    await c2.advance(10_100);
    expect(await second).toEqual([]);
  });

  test("a flood of tools/list_changed makes one listing at a time, and the next model call gets the new list", async () => {
    const files = new FakeMcp("files");
    files.tools = [{ name: "read_text_file", inputSchema: obj() }];
    const { hub, clock } = hubWith({ mcp: { files: { command: ["x"] } } }, { mcp: { files } });
    expect(await names(hub)).toEqual(["read_text_file"]);
    files.tools = [...files.tools, { name: "added", inputSchema: obj() }];
    for (let i = 0; i < 5_000; i++) files.change("tools/list_changed");
    const during = names(hub);
    await clock.advance(100);
    await clock.advance(100);
    expect(await during).toEqual(["added", "read_text_file"]);
    expect(files.lists).toBeLessThanOrEqual(3);
    expect(await names(hub)).toEqual(["added", "read_text_file"]);
  });

  test("a server whose tools/list never answers delays only the turns of its listing's first 10 s", async () => {
    const hang = new FakeMcp("hang");
    hang.gate = new Promise(() => {});
    const ok = new FakeMcp("ok");
    ok.tools = [{ name: "fine", inputSchema: obj() }];
    const { hub, clock } = hubWith({ mcp: { hang: { command: ["x"] }, ok: { command: ["y"] } } }, { mcp: { hang, ok } });
    const first = names(hub);
    await clock.advance(4_000);
    const second = names(hub); // asks while the first listing is 4 s old: waits its remaining 6 s only
    await clock.advance(6_000);
    expect(await first).toEqual(["fine"]);
    expect(await second).toEqual(["fine"]);
    expect(await names(hub)).toEqual(["fine"]); // no wait at all now
  });

  test("an entry that expires while its source's last listing failed leaves the offer at once", async () => {
    const files = new FakeMcp("files");
    files.tools = [{ name: "read_text_file", inputSchema: obj() }];
    const { hub, clock } = hubWith({ mcp: { files: { command: ["x"] } }, cache_ttl_ms: 60_000 }, { mcp: { files } });
    expect(await names(hub)).toEqual(["read_text_file"]);
    // A relist fails (the entry stays), then the entry's TTL runs out.
    const list = files.list.bind(files);
    files.list = async () => {
      throw new Error("tools/list failed");
    };
    files.change("tools/list_changed");
    await clock.advance(100);
    await clock.advance(60_000);
    expect(await names(hub)).toEqual([]);
    files.list = list;
  });
});

