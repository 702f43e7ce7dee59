// A server that sends tools/list_changed as fast as it can must not take the gateway down with it:
// the notifications are coalesced into one listing at a time, so listings answer, its tools stay
// offered, and memory stays bounded (before, every notification started a listing of its own and
// the gateway grew past 2 GB within half a minute).
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { sandbox } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";
import { upDetached } from "./exactly-once-helpers.ts";
import { fixtureToml, integrationsJson, rowUntil } from "./integrations-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

test("a flood of tools/list_changed: listings still answer, the tools stay offered, memory stays bounded", async () => {
  const sb = sandbox();
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  sb.writeConfig(`[agent]\nprovider = "echo"\n` + fixtureToml("flood", { FIXTURE_MODE: "flood" }));
  await upDetached(sb);
  const pid = Number(JSON.parse(readFileSync(`${sb.home}/run/gateway.json`, "utf8")).pid);
  await rowUntil(sb, "flood", (r) => r.state === "ok" && r.offered > 0, "the flooding server to be listed");
  // Three seconds of flooding, read the whole time.
  const until = Date.now() + 3_000;
  let peak = 0;
  await waitUntil(
    async () => {
      const t0 = Date.now();
      const r = await integrationsJson(sb);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(r.sources[0]).toMatchObject({ name: "flood", state: "ok" });
      expect(r.offered).toBeGreaterThan(0);
      peak = Math.max(peak, rssMb(pid));
      return Date.now() > until;
    },
    "three seconds of flooding",
    20_000,
    200,
  );
  expect(peak).toBeLessThan(500);
}, 40_000);
