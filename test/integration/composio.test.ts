import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { composioSchema } from "../../src/core/config/integrations-schema.ts";
import { ComposioError, createComposioSource, MAX_RESULT_CHARS } from "../../src/core/integrations/composio/index.ts";
import type { ComposioSource } from "../../src/core/integrations/types.ts";
import { systemClock, type Clock } from "../../src/core/util/clock.ts";
import { Redactor } from "../../src/core/util/redact.ts";
import { ComposioServer, errorBody, rateLimited, serverError, unauthorized } from "../helpers/composio-server.ts";

const KEY = "ak_test_4f9c2d7e1b8a6053";
const signal = () => AbortSignal.timeout(10_000);

/** The real clock, except that retry waits are recorded and not waited for. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return { ...systemClock, waits, sleep: async (ms: number) => void waits.push(ms) };
}

let server: ComposioServer;
let clock: ReturnType<typeof recordingClock>;
beforeEach(async () => {
  server = await ComposioServer.start(KEY);
  clock = recordingClock();
});
afterEach(() => server.close());

function source(more: Record<string, unknown> = {}, redactor = new Redactor()): ComposioSource {
  const config = composioSchema.parse({ api_key: KEY, base_url: server.url, toolkits: ["gmail", "github"], request_timeout_ms: 3_000, call_timeout_ms: 3_000, ...more });
  return createComposioSource(config, { log: createConsola({ level: -999 }), clock, redact: (t) => redactor.apply(t) });
}

async function failure(p: Promise<unknown>): Promise<ComposioError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ComposioError) return err;
    throw err;
  }
  throw new Error("expected a ComposioError");
}

describe("connections", () => {
  for (const lastPage of ["null", "absent"] as const) {
    test(`every page is read when the last page's next_cursor is ${lastPage}`, async () => {
      server.lastPage = lastPage;
      // 250 accounts: three pages of 100; the active gmail account is on the last one.
      for (let i = 0; i < 249; i++) server.addAccount("github", "INITIATED");
      server.addAccount("gmail", "ACTIVE");
      const rows = await source().connections(signal());
      const pages = server.seen("GET", "/api/v3/connected_accounts");
      expect(pages.length).toBe(3);
      expect(pages.map((r) => r.query.cursor ?? null)[0]).toBeNull();
      expect(pages[2]!.query.cursor).toBeTruthy();
      expect(rows).toEqual([
        { toolkit: "gmail", status: "ACTIVE", active: true, accountId: "ca_250" },
        { toolkit: "github", status: "INITIATED", active: false, accountId: "ca_1" },
      ]);
    });
  }

  test("filters go comma-joined with the user and a page size of 100; none is sent for no toolkits", async () => {
    await source({ user_id: "u-42" }).connections(signal());
    const q = server.seen("GET", "/api/v3/connected_accounts")[0]!.query;
    expect(q).toEqual({ user_ids: "u-42", toolkit_slugs: "gmail,github", limit: "100" });
    expect(server.requests[0]!.headers["x-api-key"]).toBe(KEY);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    await source({ toolkits: [] }).connections(signal());
    expect(server.seen("GET", "/api/v3/connected_accounts")[1]!.query).toEqual({ user_ids: "default", limit: "100" });
  });

  test("ACTIVE and ' connected ' count as active, INITIATED and EXPIRED do not; slugs are trimmed and lowercased", async () => {
    server.addAccount(" Gmail ", " connected ");
    server.addAccount("GITHUB", "EXPIRED");
    server.addAccount("slack", "INITIATED");
    server.addAccount("notion", "ACTIVE");
    const rows = await source({ toolkits: [] }).connections(signal());
    expect(rows.map((r) => [r.toolkit, r.status, r.active])).toEqual([
      ["github", "EXPIRED", false],
      ["gmail", "CONNECTED", true],
      ["notion", "ACTIVE", true],
      ["slack", "INITIATED", false],
    ]);
  });

  test("an active account wins over older ones; a configured toolkit without an account is listed as not connected", async () => {
    server.addAccount("gmail", "EXPIRED");
    const live = server.addAccount("gmail", "ACTIVE");
    const rows = await source().connections(signal());
    expect(rows).toEqual([
      { toolkit: "gmail", status: "ACTIVE", active: true, accountId: live.id },
      { toolkit: "github", status: null, active: false, accountId: null },
    ]);
  });

  test("malformed items are ignored, not fatal", async () => {
    server.addAccount("gmail", "ACTIVE");
    server.fail("GET", "/api/v3/connected_accounts", {
      status: 200,
      body: { items: [null, 3, { id: "x" }, { toolkit: { slug: "gmail" } }, { id: "ca_ok", toolkit: { slug: "gmail" }, status: "ACTIVE" }], next_cursor: null },
    });
    expect(await source().connections(signal())).toEqual([
      { toolkit: "gmail", status: "ACTIVE", active: true, accountId: "ca_ok" },
      { toolkit: "github", status: null, active: false, accountId: null },
    ]);
  });
});

describe("tools", () => {
  test("toolsOf reads every page per toolkit and skips deprecated tools", async () => {
    server.defaultLimit = 1000;
    for (let i = 0; i < 1500; i++) server.addTool("gmail", `GMAIL_TOOL_${i}`);
    server.addTool("gmail", "GMAIL_OLD", { is_deprecated: true });
    server.addTool("github", "GITHUB_STAR");
    const tools = await source().toolsOf(["gmail", "github"], signal());
    expect(tools.length).toBe(1501);
    expect(tools.some((t) => t.name === "GMAIL_OLD")).toBe(false);
    const gmail = server.seen("GET", "/api/v3/tools").filter((r) => r.query.toolkit_slug === "gmail");
    expect(gmail.length).toBe(2);
    expect(gmail[0]!.query.limit).toBe("1000");
    expect(tools.at(-1)).toEqual({ name: "GITHUB_STAR", description: "GITHUB_STAR does things", inputSchema: server.tools.at(-1)!.input_parameters, toolkit: "github" });
  });

  test("list offers the tools of active configured toolkits only", async () => {
    server.addAccount("gmail", "ACTIVE");
    server.addAccount("github", "INITIATED");
    server.addAccount("slack", "ACTIVE");
    server.addTool("gmail", "GMAIL_SEND_EMAIL");
    server.addTool("github", "GITHUB_STAR");
    server.addTool("slack", "SLACK_POST");
    const s = source();
    expect((await s.list(signal())).map((t) => t.name)).toEqual(["GMAIL_SEND_EMAIL"]);
    expect(s.health().state).toBe("running");
  });
});

describe("execute", () => {
  beforeEach(() => {
    server.addAccount("gmail", "ACTIVE");
    server.addTool("gmail", "GMAIL_SEND_EMAIL");
  });

  test("success comes back as the data's JSON, with the request Composio documents", async () => {
    server.addAccount("gmail", "ACTIVE", { user_id: "u1" });
    const r = await source({ user_id: "u1" }).call("GMAIL_SEND_EMAIL", { to: "a@b.c" }, signal());
    expect(r).toEqual({ text: JSON.stringify({ echo: { to: "a@b.c" } }), isError: false });
    expect(server.seen("POST", "/api/v3/tools/execute/GMAIL_SEND_EMAIL")[0]!.body).toEqual({ arguments: { to: "a@b.c" }, user_id: "u1", version: "latest" });
  });

  test("a huge result is cut with a marker", async () => {
    server.executions.set("GMAIL_SEND_EMAIL", () => ({ data: { blob: "x".repeat(200_000) } }));
    const r = await source().call("GMAIL_SEND_EMAIL", {}, signal());
    expect(r.isError).toBe(false);
    expect(r.text.length).toBe(MAX_RESULT_CHARS);
    expect(r.text).toMatch(/\[cut: \d+ more characters\]$/);
  });

  test("successful:false (and the misspelled successfull) is an error result with the tool's message", async () => {
    server.executions.set("GMAIL_SEND_EMAIL", () => ({ error: "Recipient address rejected" }));
    expect(await source().call("GMAIL_SEND_EMAIL", {}, signal())).toEqual({ text: "GMAIL_SEND_EMAIL failed: Recipient address rejected", isError: true });
    server.executions.set("GMAIL_SEND_EMAIL", () => ({ error: "Quota", misspelled: true }));
    expect(await source().call("GMAIL_SEND_EMAIL", {}, signal())).toEqual({ text: "GMAIL_SEND_EMAIL failed: Quota", isError: true });
  });

  test("an unknown tool (404) is an error result with Composio's message; no throw", async () => {
    const r = await source().call("NO_SUCH/TOOL", {}, signal());
    expect(r.isError).toBe(true);
    expect(r.text).toContain("Composio answered 404: Tool NO_SUCH/TOOL not found");
    expect(server.requests[0]!.path).toBe("/api/v3/tools/execute/NO_SUCH%2FTOOL");
  });

  test("a 500 on execute is not retried (the tool may have run)", async () => {
    server.fail("POST", /execute/, serverError());
    const r = await source().call("GMAIL_SEND_EMAIL", {}, signal());
    expect(r.isError).toBe(true);
    expect(r.text).toContain("500");
    expect(server.seen("POST", /execute/).length).toBe(1);
  });
});

describe("errors and retries", () => {
  test("401 says the key was refused and what to do; the key never shows, even when echoed", async () => {
    const s = source({ api_key: "ak_wrong_key_0000000000" });
    const e = await failure(s.connections(signal()));
    expect(e.code).toBe("integration_failed");
    expect(e.status).toBe(401);
    expect(e.message).toBe("Composio refused the API key (401: Invalid API key)");
    expect(e.hint).toContain("check [integrations.composio] api_key / COMPOSIO_API_KEY");
    expect(e.hint).toContain("Pass a valid project API key");
    expect(s.health()).toMatchObject({ state: "unavailable", lastError: e.message });
    expect(server.requests.length).toBe(1);

    // A server quoting the key back, in the message and the suggested fix, on a listing and a call.
    const echo = () => ({ status: 400, body: errorBody(400, `Key ${KEY} is not allowed for project`, { suggested_fix: `replace ${KEY}` }) });
    server.fail("GET", "/api/v3/connected_accounts", echo).fail("POST", /execute/, echo);
    const plain = source({}, new Redactor()); // the source hides its own key even when the redactor does not know it
    const e2 = await failure(plain.connections(signal()));
    const r = await plain.call("X", {}, signal());
    for (const t of [e2.message, e2.hint ?? "", r.text]) {
      expect(t).not.toContain(KEY);
      expect(t).toContain("[redacted]");
    }
  });

  test("every error text goes through the redactor", async () => {
    const r = new Redactor();
    r.set(["hunter2-password"]);
    server.fail("GET", "/api/v3/connected_accounts", { status: 403, body: errorBody(403, "hunter2-password leaked") });
    const e = await failure(source({}, r).connections(signal()));
    expect(e.message).toBe("Composio answered 403: [redacted] leaked");
  });

  test("a body that is not JSON is described, not dumped", async () => {
    server.fail("GET", "/api/v3/connected_accounts", { status: 502, text: `<html>${"gateway ".repeat(500)}</html>` });
    server.fail("GET", "/api/v3/connected_accounts", { status: 502, text: "<html>bad</html>" });
    server.fail("GET", "/api/v3/connected_accounts", { status: 502, text: "<html>bad</html>" });
    const e = await failure(source().connections(signal()));
    expect(e.message).toBe("Composio answered 502: a body that is not JSON (text/html, 16 characters)");
    server.fail("GET", "/api/v3/connected_accounts", { status: 200, text: "<html>ok</html>" });
    const e2 = await failure(source().connections(signal()));
    expect(e2.message).toContain("body that is not JSON (text/html, 15 characters)");
  });

  test("429 with retry-after (seconds, and ms) is honoured, then the listing succeeds", async () => {
    server.addAccount("gmail", "ACTIVE");
    server.fail("GET", "/api/v3/connected_accounts", rateLimited("3")).fail("GET", "/api/v3/connected_accounts", rateLimited("250", "retry-after-ms"));
    const rows = await source().connections(signal());
    expect(rows[0]!.active).toBe(true);
    expect(server.seen("GET", "/api/v3/connected_accounts").length).toBe(3);
    expect(clock.waits).toEqual([3_000, 250]);
  });

  test("a retry-after past 10 s is capped; an HTTP date is read", async () => {
    server.fail("GET", "/api/v3/tools", rateLimited("3600")).fail("GET", "/api/v3/tools", rateLimited(new Date(Date.now() + 4_000).toUTCString()));
    await source().toolsOf(["gmail"], signal());
    expect(clock.waits[0]).toBe(10_000);
    expect(clock.waits[1]).toBeGreaterThan(2_000);
    expect(clock.waits[1]).toBeLessThanOrEqual(4_000);
  });

  test("500 twice then success: backoff 0.5 s, 1 s", async () => {
    server.fail("GET", "/api/v3/connected_accounts", serverError()).fail("GET", "/api/v3/connected_accounts", serverError());
    const s = source();
    await s.connections(signal());
    expect(server.seen("GET", "/api/v3/connected_accounts").length).toBe(3);
    expect(clock.waits).toEqual([500, 1_000]);
    expect(s.health().state).toBe("running");
  });

  test("retries exhausted: three tries, then the error", async () => {
    for (let i = 0; i < 3; i++) server.fail("GET", "/api/v3/connected_accounts", serverError());
    const s = source();
    const e = await failure(s.connections(signal()));
    expect(e.message).toBe("Composio answered 500: Internal server error");
    expect(server.seen("GET", "/api/v3/connected_accounts").length).toBe(3);
    expect(s.health().state).toBe("unavailable");
  });

  test("nothing listening: a network error, retried on GETs, then reported", async () => {
    const url = server.url;
    await server.close();
    const s = source({ base_url: url });
    const e = await failure(s.connections(signal()));
    expect(e.message).toStartWith("could not reach Composio");
    expect(clock.waits).toEqual([500, 1_000]);
    server = await ComposioServer.start(KEY);
  });
});

describe("connect and disconnect", () => {
  test("an existing ENABLED auth config is used; the redirect URL comes back and listeners hear of it", async () => {
    server.addAuthConfig("gmail", "DISABLED");
    const enabled = server.addAuthConfig("gmail", "ENABLED");
    const s = source({ user_id: "u7" });
    const heard: string[] = [];
    s.onChange((why) => heard.push(why));
    const r = await s.connect(" Gmail ", signal());
    expect(r.redirectUrl).toMatch(/^https:\/\/connect\.composio\.example\/link\//);
    expect(r.accountId).toBeTruthy();
    expect(server.seen("GET", "/api/v3/auth_configs")[0]!.query).toEqual({ toolkit_slug: "gmail", show_disabled: "true", limit: "25" });
    expect(server.seen("POST", "/api/v3/auth_configs").length).toBe(0);
    expect(server.seen("POST", "/api/v3/connected_accounts/link")[0]!.body).toEqual({ auth_config_id: enabled.id, user_id: "u7" });
    expect(heard.length).toBe(1);
    // The new account is INITIATED until the user authorises; then it counts.
    expect((await s.connections(signal()))[0]).toMatchObject({ toolkit: "gmail", status: "INITIATED", active: false });
    server.setStatus(r.accountId!, "ACTIVE");
    expect((await s.connections(signal()))[0]).toMatchObject({ toolkit: "gmail", active: true });
  });

  test("no auth config: one with Composio-managed auth is created first", async () => {
    const r = await source().connect("github", signal());
    expect(r.redirectUrl).toStartWith("https://");
    expect(server.seen("POST", "/api/v3/auth_configs")[0]!.body).toEqual({ toolkit: { slug: "github" }, auth_config: { type: "use_composio_managed_auth", name: "github auth config" } });
    expect(server.seen("POST", "/api/v3/connected_accounts/link")[0]!.body.auth_config_id).toBe(server.authConfigs[0]!.id);
  });

  test("redirectUrl and data.redirect_url are accepted; a non-http URL is refused", async () => {
    server.addAuthConfig("gmail");
    server.fail("POST", "/api/v3/connected_accounts/link", { status: 201, body: { redirectUrl: "https://a.example/x", connected_account_id: "ca_9" } });
    expect(await source().connect("gmail", signal())).toEqual({ redirectUrl: "https://a.example/x", accountId: "ca_9" });
    server.fail("POST", "/api/v3/connected_accounts/link", { status: 201, body: { data: { redirect_url: "https://b.example/y" } } });
    expect(await source().connect("gmail", signal())).toEqual({ redirectUrl: "https://b.example/y", accountId: null });
    server.fail("POST", "/api/v3/connected_accounts/link", { status: 201, body: { redirect_url: "javascript:alert(1)" } });
    expect((await failure(source().connect("gmail", signal()))).message).toContain("no http(s) redirect_url");
  });

  test("a toolkit outside [integrations.composio] toolkits is refused before any request", async () => {
    const e = await failure(source().connect("slack", signal()));
    expect(e.message).toBe("toolkit slack is not in [integrations.composio] toolkits (gmail, github)");
    expect(e.hint).toContain('add "slack"');
    expect(server.requests.length).toBe(0);
  });

  test("disconnect deletes every account of the toolkit, across pages, and says how many", async () => {
    server.defaultLimit = 100;
    for (let i = 0; i < 120; i++) server.addAccount("gmail", i % 2 ? "ACTIVE" : "EXPIRED");
    const other = server.addAccount("github", "ACTIVE");
    const s = source();
    const heard: string[] = [];
    s.onChange((why) => heard.push(why));
    expect(await s.disconnect("gmail", signal())).toBe(120);
    expect(server.seen("DELETE", /^\/api\/v3\/connected_accounts\//).length).toBe(120);
    expect(server.accounts).toEqual([other]);
    expect(heard).toEqual(["disconnected gmail (120 accounts)"]);
    expect(await s.disconnect("gmail", signal())).toBe(0);
  });

  test("an unauthorised key makes connect fail with the 401 message", async () => {
    server.fail("GET", "/api/v3/auth_configs", unauthorized());
    const e = await failure(source().connect("gmail", signal()));
    expect(e.status).toBe(401);
  });
});
