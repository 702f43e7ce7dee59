// Composio through the local Composio server against the real binary: a toolkit without an active
// account offers nothing and says not_connected; one that becomes ACTIVE at the backend with no
// connect event (the cache TTL ten minutes long) is in the very next turn's request after one
// `bosun integrations`; its tool runs through a turn; connect --no-wait prints the authorisation
// URL, connect waits for ACTIVE; disconnect; a 401 shows as unavailable and the key never shows.
import { afterEach, expect, test } from "bun:test";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { ComposioServer } from "../helpers/composio-server.ts";
import { OpenAIServer, text, toolCalls, type SeenRequest } from "../helpers/openai-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { agentToml, lastUser, logText, postWebhook, upDetached, webhookToml } from "./exactly-once-helpers.ts";
import { integrationsJson, lastTool, offeredNames, shownMessages, toolsJson } from "./integrations-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const KEY = "ck_live_Zq8v1SECRETkey0123456789";

test("composio: not connected offers nothing; ACTIVE at the backend with no event is offered after one `bosun integrations`; its tool runs; connect, connect --no-wait, disconnect; a 401 is unavailable and the key never shows", async () => {
  const cs = await ComposioServer.start(KEY);
  cleanups.push(() => cs.close());
  cs.addTool("github", "GITHUB_LIST_ISSUES", { input_parameters: { type: "object", properties: { repo: { type: "string" } }, required: ["repo"] } });
  cs.addTool("github", "GITHUB_CREATE_ISSUE");
  cs.addTool("gmail", "GMAIL_SEND_EMAIL");
  cs.addTool("gmail", "GMAIL_FETCH_EMAILS");
  cs.addAuthConfig("gmail");
  cs.executions.set("GITHUB_LIST_ISSUES", (args) => ({ data: { issues: [{ title: `the bug in ${args.repo}` }] } }));

  const ai = await OpenAIServer.start();
  cleanups.push(() => ai.close());
  ai.on("m", (r: SeenRequest) => {
    const t = lastTool(r);
    if (t) return text(`tool said: ${String(t.content)}`);
    if (lastUser(r) === "issues" && offeredNames(r).includes("GITHUB_LIST_ISSUES")) return toolCalls([{ name: "GITHUB_LIST_ISSUES", arguments: JSON.stringify({ repo: "acme/app" }) }]);
    return text(`offered: ${offeredNames(r).join(",") || "none"}`);
  });
  const port = await freePort();
  const sb = sandbox({ COMPOSIO_API_KEY: KEY });
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  sb.writeConfig(
    agentToml(ai.url) +
      webhookToml(port) +
      `[integrations]\ncache_ttl_ms = 600000\n[integrations.composio]\napi_key = "\${COMPOSIO_API_KEY}"\ntoolkits = ["gmail", "github"]\nbase_url = "${cs.url}"\n`,
  );
  await upDetached(sb);
  let n = 0;
  const say = async (t: string) => (await postWebhook(port, { id: `m${++n}`, conversation: "ada", text: t }))?.body?.reply ?? null;
  const outputs: string[] = [];
  const run = async (...args: string[]) => {
    const r = await sb.runAsync(args, { timeoutMs: 30_000 });
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  // Nothing connected: nothing offered, and the rows say why.
  expect(await say("hi")).toBe("offered: none");
  expect(ai.requests.at(-1)!.body.tools).toBeUndefined();
  const first = await integrationsJson(sb);
  const row = (r: typeof first, name: string) => r.sources.find((s) => s.name === name)!;
  expect(row(first, "composio:github")).toMatchObject({ state: "not_connected", offered: 0 });
  expect(row(first, "composio:github").reason).toContain("bosun integrations connect github");
  expect(row(first, "composio:gmail").state).toBe("not_connected");

  // github becomes ACTIVE at the backend: no connect event reaches the gateway, and the cached
  // (empty) entry is ten minutes from expiring.
  cs.addAccount("github", "ACTIVE");
  expect(await say("hi")).toBe("offered: none");
  const ls = await run("integrations");
  expect(ls.code).toBe(0);
  expect(ls.stdout).toMatch(/composio:github\s+composio\s+ok\s+2\/2/);
  expect(await say("hi")).toBe("offered: GITHUB_CREATE_ISSUE,GITHUB_LIST_ISSUES");
  const cacheLine = logText(sb).split("\n").find((l) => /github/.test(l) && /added/.test(l));
  expect(cacheLine).toBeDefined();

  // Its tool runs through a turn: the execution's data is the tool message.
  expect(await say("issues")).toBe(`tool said: ${JSON.stringify({ issues: [{ title: "the bug in acme/app" }] })}`);
  const exec = cs.seen("POST", "/api/v3/tools/execute/GITHUB_LIST_ISSUES");
  expect(exec.length).toBe(1);
  expect(exec[0]!.body).toMatchObject({ arguments: { repo: "acme/app" }, user_id: "default" });
  expect((await shownMessages(sb, "hook:ada")).filter((m) => m.role === "tool").map((m) => m.tool?.name)).toEqual(["GITHUB_LIST_ISSUES"]);

  // connect --no-wait: the hosted authorisation URL, and back at once.
  const noWait = await run("integrations", "connect", "gmail", "--no-wait");
  expect(noWait.code).toBe(0);
  const urls = () => cs.accounts.filter((a) => a.toolkit === "gmail").map((a) => `https://connect.composio.example/link/lt_${a.id}`);
  expect(noWait.stdout).toContain(urls()[0]!);
  expect(row(await integrationsJson(sb), "composio:gmail").reason).toContain("INITIATED");

  // connect (waiting): the account turns ACTIVE while it waits; it returns 0 and gmail is offered next turn.
  const links = cs.seen("POST", "/api/v3/connected_accounts/link").length;
  const waiting = run("integrations", "connect", "gmail");
  await waitUntil(() => cs.seen("POST", "/api/v3/connected_accounts/link").length > links, "the second connect flow to start", 10_000);
  const flow = cs.accounts.filter((a) => a.toolkit === "gmail").at(-1)!;
  cs.setStatus(flow.id, "ACTIVE");
  const connected = await waiting;
  expect(connected.code).toBe(0);
  expect(connected.stdout).toContain(`lt_${flow.id}`);
  expect(connected.stderr).toContain("gmail is connected");
  expect(offeredNames(ai.requests.at(-1)!)).not.toContain("GMAIL_SEND_EMAIL");
  expect(await say("hi")).toBe("offered: GITHUB_CREATE_ISSUE,GITHUB_LIST_ISSUES,GMAIL_FETCH_EMAILS,GMAIL_SEND_EMAIL");

  // disconnect: gmail's accounts are deleted at the backend and its tools leave the next request.
  const disc = await run("integrations", "disconnect", "gmail");
  expect(disc.code).toBe(0);
  expect(disc.stderr).toMatch(/gmail disconnected \(2 accounts removed\)/);
  expect(cs.accounts.filter((a) => a.toolkit === "gmail")).toEqual([]);
  expect(await say("hi")).toBe("offered: GITHUB_CREATE_ISSUE,GITHUB_LIST_ISSUES");

  // The key is revoked: every request gets a 401 whose message even echoes the key it was sent.
  for (let i = 0; i < 40; i++) {
    cs.fail(null, /./, (req) => ({ status: 401, body: { error: { message: `Invalid API key ${String(req.headers["x-api-key"])}`, code: 10401, status: 401, suggested_fix: "Pass a valid project API key" } } }));
  }
  const revoked = await integrationsJson(sb, "--refresh");
  const gh = row(revoked, "composio:github");
  expect(gh.state).toBe("unavailable");
  expect(gh.reason).toMatch(/401|Invalid API key/);
  const revokedTools = await toolsJson(sb, "composio:github");
  expect(revokedTools.map((t) => [t.name, t.offeredAs, t.notes[0]?.code])).toEqual([
    ["GITHUB_CREATE_ISSUE", null, "unavailable"],
    ["GITHUB_LIST_ISSUES", null, "unavailable"],
  ]);
  outputs.push(JSON.stringify(revoked), JSON.stringify(revokedTools));
  const table = await run("integrations");
  expect(table.stdout).toMatch(/composio:github\s+composio\s+unavailable/);
  expect((await run("integrations", "tools")).stdout).toMatch(/unavailable: listing composio failed/);
  expect(await say("hi")).toBe("offered: none");
  outputs.push((await run("status")).stdout, (await run("status", "--json")).stdout);

  const all = outputs.join("\n") + logText(sb);
  expect(all).toContain("Invalid API key");
  expect(all).not.toContain(KEY);
  expect(all).not.toContain(KEY.slice(8, 24));
}, 40_000);
