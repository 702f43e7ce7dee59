// `bosun sessions` against the real binary: the listing (JSON and table), one session's page by a
// unique id prefix, a prefix that matches nothing, stop (a message waits, unanswered) and start
// (it is answered), then the same reads with no gateway running.
import { afterEach, expect, test } from "bun:test";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { OpenAIServer } from "../helpers/openai-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { sessionId } from "../../src/core/sessions/key.ts";
import { agentToml, down, postWebhook, upDetached, webhookToml } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

interface Row {
  id: string;
  key: string;
  conversation: string;
  state: string;
  messageCount: number;
  waiting: number;
  tokensIn: number;
}

test("sessions: list, show by prefix, unknown prefix, stop makes a message wait, start answers it; the same reads with no gateway", async () => {
  const ai = await OpenAIServer.start();
  cleanups.push(() => ai.close());
  const port = await freePort();
  const sb = sandbox();
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  sb.writeConfig(agentToml(ai.url) + webhookToml(port));
  await upDetached(sb);
  const list = async (...more: string[]): Promise<Row[]> => {
    const r = await sb.runAsync(["sessions", "--json", "--fresh", ...more]);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { sessions: Row[] }).sessions;
  };

  expect((await postWebhook(port, { id: "1", conversation: "ada", text: "hello \u001b]0;pwned\u0007" }))?.body?.reply).toBe("echo: hello \u001b]0;pwned\u0007");
  expect((await postWebhook(port, { id: "2", conversation: "ada", text: "again" }))?.body?.reply).toBe("echo: again");
  expect((await postWebhook(port, { id: "3", conversation: "bob", text: "hi" }))?.body?.reply).toBe("echo: hi");
  // A third conversation whose id starts with the same hex digit as ada's: that digit is ambiguous.
  const twin = Array.from({ length: 200 }, (_, i) => `twin${i}`).find((c) => sessionId(`hook:${c}`)[0] === sessionId("hook:ada")[0])!;
  expect((await postWebhook(port, { id: "t", conversation: twin, text: "me too" }))?.body?.reply).toBe("echo: me too");

  const rows = await list();
  expect(rows.map((s) => s.key).sort()).toEqual(["hook:ada", "hook:bob", `hook:${twin}`]);
  const ada = rows.find((s) => s.conversation === "ada")!;
  expect(ada).toMatchObject({ state: "idle", messageCount: 4, waiting: 0 });
  expect((await list("--state", "idle", "--limit", "1")).length).toBe(1);
  expect((await list("--adapter", "nope")).length).toBe(0);

  const table = await sb.runAsync(["sessions"]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/ADAPTER\s+TITLE\s+STATE\s+ACTIVE\s+MSGS\s+TOKENS\s+WAITING/);
  expect(table.stdout).toMatch(/hook\s+ada\s+idle\s+(\S+ ago|now)\s+4\s+0\/0\s+0/);

  // A unique prefix of the id, like git.
  const show = await sb.runAsync(["sessions", "show", ada.id.slice(0, 8)]);
  expect(show.code).toBe(0);
  expect(show.stdout).toContain("hook:ada");
  expect(show.stdout).toMatch(/\d\d:\d\d:\d\d user\n {4}hello \\u001b\]0;pwned\\u0007/);
  expect(show.stdout).toMatch(/assistant \(m\)\n {4}echo: again/);
  // The chat text's escape sequence is shown, never sent to the terminal.
  expect(show.stdout).not.toContain("\u001b]0;");

  const unknown = await sb.runAsync(["sessions", "show", "zzzz-nothing"]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no session matches "zzzz-nothing"');
  expect(unknown.stdout).toBe("");
  const ambiguous = await sb.runAsync(["sessions", "show", ada.id.slice(0, 1)]);
  expect(ambiguous.code).toBe(1);
  expect(ambiguous.stderr.split("\n")[0]).toBe(`error: no session matches "${ada.id.slice(0, 1)}"`);
  const badState = await sb.runAsync(["sessions", "--state", "sleepy"]);
  expect(badState.code).toBe(2);
  expect(badState.stderr).toContain('unknown session state "sleepy"');

  // Stopped: the message is stored and waits, the provider is not asked.
  const stop = await sb.runAsync(["sessions", "stop", ada.id.slice(0, 8)]);
  expect(stop.code).toBe(0);
  expect(stop.stderr).toContain("stopped");
  const asked = ai.requests.length;
  const answer = postWebhook(port, { id: "4", conversation: "ada", text: "are you there?" });
  const waited = await waitUntil(async () => (await list()).find((s) => s.key === "hook:ada" && s.waiting === 1), "the message to wait in the stopped session", 10_000, 50);
  expect(waited.state).toBe("stopped");
  const waitingPage = await sb.runAsync(["sessions", "show", "hook:ada"]);
  expect(waitingPage.stdout).toMatch(/waiting \(1\)[^\n]*\n\S+ \S+ are you there\?/);
  expect(ai.requests.length).toBe(asked);

  const start = await sb.runAsync(["sessions", "start", "hook:ada"]);
  expect(start.code).toBe(0);
  expect((await answer)?.body?.reply).toBe("echo: are you there?");
  await waitUntil(async () => (await list()).find((s) => s.key === "hook:ada" && s.waiting === 0 && s.messageCount === 6), "the waiting message answered", 10_000, 50);

  // No gateway: the same reads come from the store.
  await down(sb);
  const offline = await list();
  expect(offline.map((s) => s.key).sort()).toEqual(["hook:ada", "hook:bob", `hook:${twin}`]);
  const offShow = await sb.runAsync(["sessions", "show", ada.id.slice(0, 8)]);
  expect(offShow.code).toBe(0);
  expect(offShow.stdout).toContain("echo: are you there?");
  const offUnknown = await sb.runAsync(["sessions", "show", "zzzz-nothing"]);
  expect(offUnknown.code).toBe(1);
}, 90_000);
