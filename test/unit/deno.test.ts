import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { freePort } from "../helpers/bosun.ts";

const root = resolve(import.meta.dir, "../..");
const deno = resolve(root, "node_modules/.bin/deno");

test("the core runs under Deno: config check, one echo turn over webchat, the hashing worker, a verified download with writeback", async () => {
  expect(existsSync(deno)).toBe(true);
  const port = await freePort();
  const r = spawnSync(deno, ["run", "--allow-all", "test/deno/core-smoke.ts", String(port)], { cwd: root, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
  expect(r.stderr).not.toContain("error");
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  expect(out).toEqual({ runtime: "deno", adapters: ["web"], state: "running", reply: "echo: hello from deno", workerHash: true, downloaded: { via: "stream", wroteBack: true, intact: true } });
});
