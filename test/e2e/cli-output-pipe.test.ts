import { afterEach, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { BIN, sandbox } from "../helpers/bosun.ts";

// A command's output into a pipe whose reader is slow (`| less`, `| jq` on a busy machine) must
// arrive whole. Bun reports nothing pending on a pipe, so an exit right after printing kept only
// the first 64 KB of a 400 KB listing.
const FIXTURE = resolve(import.meta.dir, "../fixtures/mcp-fixture.mjs");
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

test("bosun integrations tools --json into a slow reader's pipe arrives whole", () => {
  const sb = sandbox();
  sb.writeConfig(`[integrations.mcp.many]\ncommand = ["node", ${JSON.stringify(FIXTURE)}]\nenv = { FIXTURE_TOOLS = "1500" }\n`);
  const whole = sb.run(["integrations", "tools", "--json"], { timeoutMs: 20_000 });
  expect(whole.code).toBe(0);
  expect(whole.stdout.length).toBeGreaterThan(200_000);
  // The reader starts only after a pause, so the pipe is full when the command finishes printing.
  const r = spawnSync("sh", ["-c", `"$0" integrations tools --json 2>/dev/null | (sleep 1; wc -c)`, BIN], { env: sb.env, cwd: sb.dir, encoding: "utf8", timeout: 20_000 });
  expect(Number(r.stdout.trim())).toBe(Buffer.byteLength(whole.stdout));
});
