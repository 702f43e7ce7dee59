// A config edit while the gateway runs: an MCP server added is started and listed, one removed is
// stopped (its process gone) and leaves the rows, and an edited deny list applies without
// restarting the server (the same pid), as a channel's unchanged settings do not reconnect it.
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sandbox } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";
import { down, upDetached } from "./exactly-once-helpers.ts";
import { fixtureToml, integrationsJson, pidFrom, rowUntil, toolsJson } from "./integrations-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const alive = (pid: number) => existsSync(`/proc/${pid}`);

test("hot reload adds, removes and re-filters MCP servers; a deny edit keeps the server's process", async () => {
  const sb = sandbox();
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  const pidA = join(sb.dir, "a.pid");
  const pidB = join(sb.dir, "b.pid");
  const head = `[agent]\nprovider = "echo"\n[gateway]\nreload_debounce_ms = 50\n`;
  const a = (more = "") => fixtureToml("aaa", { FIXTURE_PID_FILE: pidA }, more);
  sb.writeConfig(head + a());
  await upDetached(sb);
  await rowUntil(sb, "aaa", (r) => r.state === "ok", "aaa to be ok");
  const first = await pidFrom(pidA);

  // Add a server; deny one of aaa's tools.
  sb.writeConfig(head + a(`deny = ["echo"]\n`) + fixtureToml("bbb", { FIXTURE_PID_FILE: pidB }));
  await rowUntil(sb, "bbb", (r) => r.state === "ok", "bbb to be started and listed");
  await waitUntil(async () => (await toolsJson(sb, "aaa")).find((t) => t.name === "echo")?.notes.some((n) => n.code === "denied") || null, "aaa's echo to be denied");
  expect(await pidFrom(pidA)).toBe(first);
  expect(alive(first)).toBe(true);
  const b = await pidFrom(pidB);

  // Remove bbb: it leaves the rows and its process ends.
  sb.writeConfig(head + a(`deny = ["echo"]\n`));
  await waitUntil(async () => !(await integrationsJson(sb)).sources.some((s) => s.name === "bbb"), "bbb to leave the rows");
  await waitUntil(() => !alive(b), "bbb's process to end");
  expect(alive(first)).toBe(true);

  await down(sb);
  await waitUntil(() => !alive(first), "aaa's process to end with the gateway");
}, 40_000);
