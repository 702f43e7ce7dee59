import { expect, test } from "bun:test";
import { sandbox } from "../helpers/bosun.ts";
import { fixtureToml, mcpToml } from "./integrations-helpers.ts";

// `bosun doctor` asks each tool source once, as `bosun integrations` does with no gateway.
test("doctor checks each tool source: a working server passes, a missing command fails with why", async () => {
  const sb = sandbox();
  sb.writeConfig(`[agent]\nprovider = "echo"\n` + fixtureToml("good") + mcpToml("broken", ["no-such-binary-for-doctor"]));
  const r = await sb.runAsync(["doctor", "--json"], { timeoutMs: 30_000 });
  const out = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; outcome: string; detail: string }> };
  expect(out.checks.find((c) => c.name === "tools good")).toMatchObject({ outcome: "ok" });
  const broken = out.checks.find((c) => c.name === "tools broken")!;
  expect(broken.outcome).toBe("fail");
  expect(broken.detail).toContain("command not found: no-such-binary-for-doctor");
  expect(out.ok).toBe(false);
  expect(r.code).toBe(1);
});
