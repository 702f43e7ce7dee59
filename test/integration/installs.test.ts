import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { existsSync, mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Installer } from "../../src/core/installs/installer.ts";
import { customEntries } from "../../src/core/installs/catalog/catalog.ts";
import { InstallStore, type StoredInstall } from "../../src/core/installs/store.ts";
import { openDatabase } from "../../src/core/db.ts";
import { generatedBytes, ModelServer, type ServedFile } from "../helpers/model-server.ts";
import { sandbox, exited, type Sandbox } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";
import { verifyFile } from "../../src/core/installs/download/index.ts";

let server: ModelServer;
beforeAll(async () => {
  server = await ModelServer.start();
});
afterAll(async () => {
  await server.close();
});

let n = 0;
/** A fresh file on the server and a custom catalogue entry for it. */
function served(size: number, switches = {}): { file: ServedFile; target: string; custom: string } {
  const name = `m${++n}-${process.pid}`;
  const file = server.addFile(`/files/${name}.bin`, { size, seed: n }, switches);
  const target = `whisper:${name}`;
  const custom = `[[installs.custom]]\ntarget = "${target}"\nurl = "${file.url}"\nsize = ${file.size}\nsha256 = "${file.sha256}"\n`;
  return { file, target, custom };
}

function installer(home: string, customToml: Array<{ target: string; file: ServedFile }>, db = openDatabase(join(home, "bosun.db"))) {
  return new Installer({
    modelsDir: join(home, "models"),
    db,
    bus: null,
    log: createConsola({ level: -999 }),
    mirror: server.url,
    connectTimeoutMs: 2000,
    idleTimeoutMs: 2000,
    custom: customEntries(customToml.map(({ target, file }) => ({ target, url: file.url, size: file.size, sha256: file.sha256 }))),
  });
}

const home = () => {
  const h = mkdtempSync(join(tmpdir(), "bosun-inst-"));
  mkdirSync(h, { recursive: true });
  return h;
};

describe("install guard", () => {
  test("32 concurrent in-process requests for one target download the body exactly once", async () => {
    const s = served(2 * 1024 * 1024, { throttleBytesPerSec: 8 * 1024 * 1024 });
    const inst = installer(home(), [s]);
    const results = await Promise.all(Array.from({ length: 32 }, () => inst.request(s.target)));
    const started = results.filter((r) => r.started);
    expect(started).toHaveLength(1);
    for (const r of results.filter((r) => !r.started)) expect(["queued", "installing"]).toContain(r.status.state);
    const final = await (started[0] as { done: Promise<{ state: string }> }).done;
    expect(final.state).toBe("installed");
    expect(server.stats(s.file.path).fullBodies).toBe(1);
    // A later request for an installed target starts nothing.
    const again = await inst.request(s.target);
    expect(again).toMatchObject({ started: false, status: { state: "installed" } });
    expect(server.stats(s.file.path).requests).toBe(1);
  });

  test("4 concurrent `dist/bosun install` processes for one target: one download, all report installed", async () => {
    // The server holds its answer until all four have settled who installs: one owner whose
    // request has arrived, three followers naming it. Then it answers, and every process must
    // end with the file installed.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const s = served(3 * 1024 * 1024, { hold: gate });
    const sb = sandbox();
    sb.writeConfig(s.custom);
    let followers = 0;
    let allFollowing!: () => void;
    const settled = new Promise<void>((r) => (allFollowing = r));
    const procs = Array.from({ length: 4 }, () => {
      const child = sb.spawn(["install", s.target]);
      let stderr = "";
      child.stderr!.on("data", (d) => {
        const before = /already being installed by pid \d+/.test(stderr);
        stderr += d;
        if (!before && /already being installed by pid \d+/.test(stderr) && ++followers === 3) allFollowing();
      });
      return { child, stderr: () => stderr, code: exited(child) };
    });
    let timer!: ReturnType<typeof setTimeout>;
    const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), 10_000)));
    const who = await Promise.race([Promise.all([settled, server.requested(s.file.path)]).then(() => "settled" as const), timeout]);
    clearTimeout(timer);
    open();
    expect({ who, followers, requests: server.stats(s.file.path).requests }).toEqual({ who: "settled", followers: 3, requests: 1 });
    for (const p of procs) expect({ code: await p.code, stderr: p.stderr() }).toMatchObject({ code: 0 });
    expect(server.stats(s.file.path).fullBodies).toBe(1);
    const list = JSON.parse((await sb.runAsync(["installs", "--json"])).stdout);
    expect(list).toEqual([expect.objectContaining({ target: s.target, state: "installed", progress: 100 })]);
  });
});

describe("following another process's install", () => {
  // Another process's install, seen from this one: its status row and its lock, with the moment
  // the lock is looked at taken over by the test (`holder`) to interleave the other process.
  function follower(row: Partial<StoredInstall> = {}) {
    const s = served(64 * 1024);
    const h = home();
    const dir = join(h, "models", "whisper");
    mkdirSync(dir, { recursive: true });
    const db = openDatabase(join(h, "bosun.db"));
    const inst = installer(h, [s], db);
    const other = new InstallStore(db);
    const base: StoredInstall = { target: s.target, state: "installing", progress: 50, downloadedBytes: 32 * 1024, totalBytes: s.file.size, stage: "downloading", error: null, ownerPid: OTHER.pid, verified: null, ...row };
    other.put(base);
    const dest = join(dir, `${s.target.split(":")[1]}.bin`);
    const finish = () => writeFileSync(dest, generatedBytes(s.file.size, n));
    return { s, inst, other, base, finish, db };
  }
  // The holder of the lock: a live process known by its start, that claimed a minute ago.
  const OTHER = { pid: 999_999, startedAt: new Date(Date.now() - 60_000).toISOString(), procStart: 12_345 };

  test("an owner that finishes between the follower's read and its lock check is installed, not interrupted", async () => {
    const { s, inst, other, base, finish } = follower();
    inst.guard.holder = () => {
      // The owner completes right now: final file in place, status saved, lock released.
      finish();
      other.put({ ...base, state: "installed", progress: 100, downloadedBytes: s.file.size, stage: null });
      return null;
    };
    expect(await inst.status(s.target)).toMatchObject({ state: "installed", error: null });
  });

  test("a new owner that claims the target meanwhile keeps its status", async () => {
    const { s, inst, other, base } = follower();
    inst.guard.holder = () => {
      other.put({ ...base, state: "queued", ownerPid: 999_998 });
      return null;
    };
    expect(await inst.status(s.target)).toMatchObject({ state: "queued" });
  });

  test("an owner that is simply gone is reported as interrupted", async () => {
    const { s, inst } = follower();
    expect(await inst.status(s.target)).toMatchObject({ state: "error", error: "interrupted; install again to resume" });
  });

  test("an owner that holds the lock but has not written its first status yet: queued, not the error of an earlier run", async () => {
    const { s, inst } = follower({ state: "error", error: "interrupted; install again to resume", ownerPid: null });
    inst.guard.holder = () => OTHER;
    expect(await inst.status(s.target)).toMatchObject({ state: "queued", error: null });
  });

  test("an owner that has saved its final status but not yet released the lock: reported as it ended", async () => {
    const { s, inst, finish } = follower({ state: "installed", progress: 100, stage: null, downloadedBytes: 64 * 1024 });
    finish();
    inst.guard.holder = () => OTHER;
    expect(await inst.status(s.target)).toMatchObject({ state: "installed" });
  });

  test("a request that claims the target just after its owner finished does not install it again", async () => {
    const s = served(128 * 1024);
    const h = home();
    const owner = installer(h, [s]);
    const r = await owner.request(s.target);
    expect(await (r as { done: Promise<{ state: string }> }).done).toMatchObject({ state: "installed" });
    const late = installer(h, [s]);
    late.guard.busy = () => true; // it looked while the owner still held the target
    const again = await late.request(s.target);
    expect(again).toMatchObject({ started: false, status: { state: "installed" } });
    expect(server.stats(s.file.path).requests).toBe(1);
    expect(existsSync(late.guard.lockPath(s.target))).toBe(false); // the claim was released
  });

  test("a final status from an earlier run of a process with the holder's pid is not taken for the holder's", async () => {
    const { s, inst, finish, db } = follower();
    finish();
    new InstallStore(db, { now: () => Date.parse("2020-01-01T00:00:00Z") }).put({ target: s.target, state: "installed", progress: 100, downloadedBytes: s.file.size, totalBytes: s.file.size, stage: null, error: null, ownerPid: OTHER.pid, verified: null });
    inst.guard.holder = () => OTHER;
    expect(await inst.status(s.target)).toMatchObject({ state: "queued" });
  });

  test("a lock naming a live process but no process start (an older bosun's) does not make an installed target read queued", async () => {
    const { s, inst, finish } = follower({ state: "installed", progress: 100, stage: null, ownerPid: null });
    finish();
    inst.guard.holder = () => ({ pid: OTHER.pid, startedAt: OTHER.startedAt });
    expect(await inst.status(s.target)).toMatchObject({ state: "installed" });
  });

  test("a status found by verifying files is not saved over a row another process wrote meanwhile", async () => {
    // The row says installed but the file changed since it was verified: status() re-verifies.
    const { s, inst, other, base, finish } = follower({ state: "installed", progress: 100, stage: null, verified: "stale" });
    finish();
    inst.guard.holder = () => {
      other.put({ ...base, state: "queued", stage: "queued", ownerPid: 999_998 }); // `install --force` elsewhere
      return null;
    };
    expect(await inst.status(s.target)).toMatchObject({ state: "queued" });
    expect(other.get(s.target)).toMatchObject({ state: "queued", ownerPid: 999_998 });
  });
});

describe("interrupted installs", () => {
  // The server sends the first AT bytes of a body and then stalls with the connection open, so the
  // interruption lands mid-body at a known byte whatever the machine's speed. Both sizes are above
  // every threshold of the download path's first 18 MB (4 MiB reads, the 8 MiB native path).
  const SIZE = 48_000_000;
  const AT = 18_000_000;
  const sizeOf = (p: string) => (existsSync(p) ? statSync(p).size : -1);
  const partOf = (sb: Sandbox, target: string) => join(sb.home, "models", "whisper", `${target.split(":")[1]}.bin.part`);

  /** A stalling file, a sandbox configured for it, and `bosun install` running until the .part holds AT bytes. */
  async function stalledInstall(config = "") {
    const s = served(SIZE, { trickle: { bytes: AT } });
    const sb = sandbox();
    sb.writeConfig(config + s.custom);
    if (config) expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
    const child = sb.spawn(["install", s.target]);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const part = partOf(sb, s.target);
    await waitUntil(() => sizeOf(part) === AT, `${part} to hold ${AT} bytes`, 20_000);
    return { s, sb, child, part, stderr: () => stderr };
  }

  /** `bosun install` again: one Range request for the rest, nothing sent twice, installed and verified. */
  async function expectResumed(s: ReturnType<typeof served>, sb: Sandbox) {
    server.configure(s.file.path, { trickle: false });
    const r = await sb.runAsync(["install", s.target]);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    const st = server.stats(s.file.path);
    expect({ fullBodies: st.fullBodies, ranged: st.ranged, bytesSent: st.bytesSent }).toEqual({ fullBodies: 1, ranged: [{ range: `bytes=${AT}-`, status: 206 }], bytesSent: SIZE });
    expect(JSON.parse((await sb.runAsync(["installs", "--json"])).stdout)).toEqual([expect.objectContaining({ target: s.target, state: "installed", progress: 100, error: null })]);
    const dest = partOf(sb, s.target).slice(0, -".part".length);
    expect(await verifyFile(dest, SIZE, { algo: "sha256", hex: s.file.sha256 })).toBe(true);
    expect(existsSync(partOf(sb, s.target))).toBe(false);
  }

  /** For people a cancel is its own calm word with how to resume, in `installs` and `status`; never a red "error". */
  async function expectCalmCancel(sb: Sandbox, target: string) {
    const table = (await sb.runAsync(["installs"])).stdout;
    expect(table).toMatch(new RegExp(`^${target}\\s+cancelled\\s.*install again to resume`, "m"));
    expect(table).not.toMatch(/\berror\b/);
    const status = (await sb.runAsync(["status"])).stdout;
    expect(status).toMatch(new RegExp(`^  ${target}  cancelled  install again to resume$`, "m"));
    expect(status).not.toMatch(/\berror\b/);
  }

  test("kill -9 in the middle of a 48 MB install: interrupted; the next install asks once for the rest and verifies", async () => {
    const { s, sb, child, part } = await stalledInstall();
    child.kill("SIGKILL");
    await exited(child);
    expect(sizeOf(part)).toBe(AT);
    const interrupted = JSON.parse((await sb.runAsync(["installs", "--json"])).stdout)[0];
    expect(interrupted).toMatchObject({ state: "error", error: expect.stringContaining("interrupted") });
    expect(existsSync(part.slice(0, -".part".length))).toBe(false);
    await expectResumed(s, sb);
  });

  test("Ctrl-C cancels cleanly, keeps the .part, exits 130; the next install asks once for the rest", async () => {
    const { s, sb, child, part, stderr } = await stalledInstall();
    child.kill("SIGINT");
    expect(await exited(child)).toBe(130);
    expect(stderr()).toContain("partial download is kept");
    expect(sizeOf(part)).toBe(AT);
    const st = JSON.parse((await sb.runAsync(["installs", "--json"])).stdout)[0];
    expect(st).toMatchObject({ state: "error", stage: "cancelled", error: expect.stringContaining("cancelled") });
    await expectCalmCancel(sb, s.target);
    await expectResumed(s, sb);
  });

  test("cancelled in the running gateway (Ctrl-C on an install it runs): the next install asks once for the rest", async () => {
    const { s, sb, child, part } = await stalledInstall('[agent]\nprovider = "echo"\n');
    try {
      child.kill("SIGINT"); // the command asks the gateway to cancel, then follows the install to its end
      expect(await exited(child)).toBe(130);
      const st = JSON.parse((await sb.runAsync(["installs", "--json"])).stdout)[0];
      expect(st).toMatchObject({ state: "error", stage: "cancelled", error: expect.stringContaining("cancelled") });
      await expectCalmCancel(sb, s.target);
      expect(sizeOf(part)).toBe(AT);
      await expectResumed(s, sb);
    } finally {
      await sb.runAsync(["down"]);
    }
  });
});

describe("verification", () => {
  test("a checksum mismatch ends in error with no final file and no .part", async () => {
    const s = served(256 * 1024, { corrupt: true });
    const h = home();
    const inst = installer(h, [s]);
    const r = await inst.request(s.target);
    const final = await (r as { done: Promise<{ state: string; error: string | null }> }).done;
    expect(final.state).toBe("error");
    expect(final.error).toMatch(/sha256 mismatch/);
    expect(readdirSync(join(h, "models", "whisper"))).toEqual([]);
  });

  test("a verified file with no stored status is installed; a truncated one is broken; --force repairs it", async () => {
    const s = served(300 * 1024);
    const h = home();
    const dir = join(h, "models", "whisper");
    mkdirSync(dir, { recursive: true });
    const dest = join(dir, `${s.target.split(":")[1]}.bin`);
    writeFileSync(dest, generatedBytes(s.file.size, n));
    const inst = installer(h, [s]);
    expect((await inst.status(s.target)).state).toBe("installed");
    expect(server.stats(s.file.path).requests).toBe(0);
    truncateSync(dest, 1000);
    const broken = await inst.status(s.target);
    expect(broken.state).toBe("broken");
    const r = await inst.request(s.target, { force: true });
    expect((await (r as { done: Promise<{ state: string }> }).done).state).toBe("installed");
    expect(statSync(dest).size).toBe(s.file.size);
  });

  test("404 and an unknown target are clear errors", async () => {
    const h = home();
    const inst = installer(h, [{ target: "whisper:gone", file: { url: `${server.url}/nope.bin`, path: "/nope.bin", size: 10, sha256: "0".repeat(64), sha1: "", md5: "" } }]);
    const r = await inst.request("whisper:gone");
    const final = await (r as { done: Promise<{ state: string; error: string | null }> }).done;
    expect(final.state).toBe("error");
    expect(final.error).toContain("not found at");
    await expect(inst.request("whisper:bsae.en")).rejects.toThrow('unknown install target "whisper:bsae.en"');
  });

  test("the mirror replaces the base URL of catalogue entries (BOSUN_MODEL_MIRROR)", async () => {
    const sb = sandbox({ BOSUN_MODEL_MIRROR: server.url });
    const r = await sb.runAsync(["install", "whisper:tiny.en"]);
    expect(r.code).toBe(1);
    expect(server.stats("/ggerganov/whisper.cpp/resolve/main/ggml-tiny.en.bin").requests).toBe(1);
    expect(r.stderr).toContain("not found at " + server.url + "/ggerganov/whisper.cpp/resolve/main/ggml-tiny.en.bin");
  });
});

describe("through the gateway", () => {
  test("`install` asks the running gateway; [installs] want installs at start; uninstall removes", async () => {
    const wanted = served(200 * 1024);
    const asked = served(500 * 1024);
    const sb = sandbox();
    sb.writeConfig(`[agent]\nprovider = "echo"\n[installs]\nwant = ["${wanted.target}"]\n${wanted.custom}${asked.custom}`);
    expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
    try {
      let st: any;
      await waitUntil(
        async () => {
          st = JSON.parse((await sb.runAsync(["status", "--json"])).stdout);
          return st.installs.some((i: any) => i.target === wanted.target && i.state === "installed");
        },
        () => `the wanted target installed at start; installs: ${JSON.stringify(st?.installs)}`,
        10_000,
        50,
      );
      expect(st.installs).toContainEqual(expect.objectContaining({ target: wanted.target, state: "installed" }));

      const r = await sb.runAsync(["install", asked.target]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("through the running gateway");
      expect(server.stats(asked.file.path).fullBodies).toBe(1);
      const status = JSON.parse((await sb.runAsync(["status", "--json"])).stdout);
      expect(status.installs).toContainEqual(expect.objectContaining({ target: asked.target, state: "installed" }));

      // Editing [installs] under the running gateway applies: a newly wanted target gets installed.
      const later = served(100 * 1024);
      sb.writeConfig(`[agent]\nprovider = "echo"\n[gateway]\nreload_debounce_ms = 50\n[installs]\nwant = ["${wanted.target}", "${later.target}"]\n${wanted.custom}${asked.custom}${later.custom}`);
      const installed = await waitUntil(
        async () => JSON.parse((await sb.runAsync(["status", "--json"])).stdout).installs.some((i: any) => i.target === later.target && i.state === "installed"),
        "the newly wanted target installed after the reload",
        10_000,
        50,
      );
      expect(installed).toBe(true);
      expect(server.stats(later.file.path).fullBodies).toBe(1);

      const removed = await sb.runAsync(["uninstall", asked.target]);
      expect(removed).toMatchObject({ code: 0, stderr: expect.stringContaining(`${asked.target} removed`) });
      const again = await sb.runAsync(["uninstall", asked.target]);
      expect(again).toMatchObject({ code: 0, stderr: expect.stringContaining("is not installed; nothing to remove") });
      const list = JSON.parse((await sb.runAsync(["installs", "--json"])).stdout);
      expect(list.find((i: any) => i.target === asked.target)).toBeUndefined();
      // The gateway's status (and so the dashboards) lists the same rows: an unwanted target is gone, a wanted one missing.
      const afterUninstall = JSON.parse((await sb.runAsync(["status", "--json"])).stdout);
      expect(afterUninstall.installs.find((i: any) => i.target === asked.target)).toBeUndefined();
      await sb.runAsync(["uninstall", wanted.target]);
      const wantedRows = (s: any) => s.installs.filter((i: any) => i.target === wanted.target).map((i: any) => i.state);
      expect(wantedRows(JSON.parse((await sb.runAsync(["status", "--json"])).stdout))).toEqual(["missing"]);
      expect(JSON.parse((await sb.runAsync(["installs", "--json"])).stdout).filter((i: any) => i.target === wanted.target).map((i: any) => i.state)).toEqual(["missing"]);
      // Uninstalling what was never installed leaves no phantom row in the gateway's status.
      const never = await sb.runAsync(["uninstall", "whisper:tiny"]);
      expect(never.stderr).toContain("is not installed");
      const st3 = JSON.parse((await sb.runAsync(["status", "--json"])).stdout);
      expect(st3.installs.find((i: any) => i.target === "whisper:tiny")).toBeUndefined();
    } finally {
      await sb.runAsync(["down"]);
    }
  });
});
