import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { acquireLock } from "../../src/core/lock.ts";
import { ensurePrivateDir } from "../../src/core/util/fsx.ts";
import { exited, sandbox, waitForLine } from "../helpers/bosun.ts";
import { ModelServer } from "../helpers/model-server.ts";

let server: ModelServer;
beforeAll(async () => {
  server = await ModelServer.start();
});
afterAll(async () => {
  await server.close();
});

test("a follower whose holder dies before writing any status does not wait for ever: it sees the target as it is", async () => {
  const file = server.addFile("/follow/m.bin", { size: 4096, seed: 7 });
  const target = "whisper:follow-m";
  const sb = sandbox();
  sb.writeConfig(`[agent]\nprovider = "echo"\n[[installs.custom]]\ntarget = "${target}"\nurl = "${file.url}"\nsize = ${file.size}\nsha256 = "${file.sha256}"\n`);
  // Another live process claims the target and dies before its first status write.
  const holder = spawn("sleep", ["60"], { stdio: "ignore" });
  const locks = join(sb.home, "models", ".locks");
  ensurePrivateDir(sb.home);
  ensurePrivateDir(join(sb.home, "models"));
  ensurePrivateDir(locks);
  const lock = acquireLock(join(locks, `${target.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`), holder.pid!);
  expect(lock.ok).toBe(true);
  const follower = sb.spawn(["install", target]);
  // It follows the holder (it says so) before the holder dies.
  await waitForLine(follower, /already being installed by pid/);
  holder.kill("SIGKILL");
  await exited(holder);
  // It ends by itself: the dead holder's claim is stale, so the target reads as it really is.
  const code = await Promise.race([exited(follower), new Promise<"hung">((r) => setTimeout(() => r("hung"), 15_000))]);
  if (code === "hung") follower.kill("SIGKILL");
  expect(code).not.toBe("hung");
  const last = JSON.parse((await sb.runAsync(["installs", "--json"])).stdout) as Array<{ target: string; state: string }>;
  expect(last.find((x) => x.target === target)?.state ?? "missing").not.toBe("queued");
});
