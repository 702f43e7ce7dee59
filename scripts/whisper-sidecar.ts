/**
 * Build whisper.cpp's `whisper-cli` (the speech-to-text sidecar) from the sources inside the
 * nodejs-whisper dev dependency, once: the binary is cached under .cache/whisper/<version>-<flags hash>/
 * so `npm test` and `npm start` do not recompile it (~3 min on 2 cores). Missing cmake, a missing
 * C++ compiler or a failed compile never fail the build: the result says why voice is disabled.
 * A failed compile is remembered too (next to where the binary would be, keyed also by the
 * compiler and cmake that failed), so later builds do not spend another 3 minutes on it:
 * BOSUN_WHISPER_RETRY=1, deleting the record, or another compiler tries again. Builds running at
 * once take turns on a lock: one compiles, the others use its result.
 * Used by build.ts only (Bun, Node APIs; prints progress to stderr).
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, copyFileSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { arch, platform } from "node:os";
import { join, resolve } from "node:path";
import { processAlive, processStartTicks } from "../src/core/util/process.ts";

export type SidecarBuild = { path: string; sha256: string; version: string } | { disabled: string };

const SOURCES = "node_modules/nodejs-whisper/cpp/whisper.cpp";

/**
 * A portable CPU baseline: GGML_NATIVE=OFF (a native build is faster here but may crash on other
 * CPUs), AVX2/FMA/F16C on (without them inference is ~10x slower), static so only libstdc++ and
 * libgomp are needed at run time.
 */
export const WHISPER_FLAGS = [
  "-DCMAKE_BUILD_TYPE=Release",
  "-DBUILD_SHARED_LIBS=OFF",
  "-DWHISPER_BUILD_TESTS=OFF",
  "-DWHISPER_BUILD_SERVER=OFF",
  "-DGGML_NATIVE=OFF",
  "-DGGML_AVX2=ON",
  "-DGGML_FMA=ON",
  "-DGGML_F16C=ON",
];

function runs(cmd: string): boolean {
  const r = spawnSync(cmd, ["--version"], { stdio: "ignore" });
  return !r.error && r.status === 0;
}

/** The first line of `cmd --version`: which compiler (or cmake) a failure was had with. */
function identity(cmd: string): string {
  const r = spawnSync(cmd, ["--version"], { encoding: "utf8" });
  return `${cmd}: ${(r.stdout ?? "").split("\n")[0]?.trim() ?? ""}`;
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Where a failed compile with this compiler and cmake is remembered (next to the binary it did not make). */
export function sidecarFailurePath(cacheDir: string, cxx: string): string {
  const who = createHash("sha256").update([identity(cxx), identity("cmake")].join("\n")).digest("hex").slice(0, 12);
  return join(cacheDir, `failed-${who}.txt`);
}

/**
 * Take the cache dir's build lock (a file holding our pid and start time); wait while a live
 * build holds it, take it over from a dead one. Returns its release.
 */
async function buildLock(cacheDir: string, log: (line: string) => void): Promise<() => void> {
  const path = join(cacheDir, "build.lock");
  const me = `${process.pid} ${processStartTicks(process.pid) ?? ""}`;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, me);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let owner = "";
    try {
      owner = readFileSync(path, "utf8");
    } catch {
      continue; // released meanwhile
    }
    const [pid, ticks] = owner.trim().split(" ");
    // An empty file is a lock being written this instant (or one whose writer died right then: stale after 10 s).
    const stale = owner ? !processAlive(Number(pid), ticks ? Number(ticks) : null) : Date.now() - mtimeOf(path) > 10_000;
    if (stale) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told) log(`waiting for another build compiling whisper.cpp (pid ${pid || "?"})`);
    told = true;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The whisper.cpp version the sources declare (`project("whisper.cpp" VERSION x.y.z)`). */
function sourceVersion(root: string): string | null {
  const m = /project\("whisper\.cpp"\s+VERSION\s+([0-9.]+)\)/.exec(readFileSync(join(root, "CMakeLists.txt"), "utf8"));
  return m?.[1] ?? null;
}

/** Where the cached binary for these sources and flags lives (whether or not it exists yet). */
export function sidecarCachePath(cwd = process.cwd()): { dir: string; bin: string; version: string } | null {
  const root = resolve(cwd, SOURCES);
  if (!existsSync(join(root, "CMakeLists.txt"))) return null;
  const version = sourceVersion(root);
  if (!version) return null;
  const key = createHash("sha256").update([platform(), arch(), ...WHISPER_FLAGS].join("\n")).digest("hex").slice(0, 12);
  // BOSUN_BUILD_CACHE moves the cache (tests build without one).
  const dir = resolve(cwd, process.env.BOSUN_BUILD_CACHE || ".cache", "whisper", `${version}-${key}`);
  return { dir, bin: join(dir, "whisper-cli"), version };
}

/** The cached whisper-cli, compiled first when missing; never throws. */
export async function buildWhisperSidecar(opts: { target?: string; log: (line: string) => void }): Promise<SidecarBuild> {
  const host = `bun-${platform()}-${arch()}`;
  if (opts.target && !opts.target.startsWith(host)) return { disabled: `the sidecar is compiled for this machine only (${host}), not ${opts.target}` };
  if (platform() !== "linux" && platform() !== "darwin") return { disabled: `no sidecar build for ${platform()}` };
  const cache = sidecarCachePath();
  if (!cache) return { disabled: `the whisper.cpp sources are missing (${SOURCES}; run npm install)` };
  const done = (): SidecarBuild => ({ path: cache.bin, sha256: createHash("sha256").update(readFileSync(cache.bin)).digest("hex"), version: cache.version });
  if (existsSync(cache.bin)) return done();
  if (!runs("cmake")) return { disabled: "cmake is not installed (apt-get install cmake g++)" };
  const cxx = [process.env.CXX, "c++", "g++", "clang++"].find((c): c is string => !!c && runs(c));
  if (!cxx) return { disabled: "no C++ compiler found (c++, g++ or clang++; apt-get install g++)" };

  mkdirSync(cache.dir, { recursive: true });
  const failed = sidecarFailurePath(cache.dir, cxx);
  const release = await buildLock(cache.dir, opts.log);
  try {
    // What the build that held the lock made (or failed to make) is this build's answer too.
    if (existsSync(cache.bin)) return done();
    if (process.env.BOSUN_WHISPER_RETRY) rmSync(failed, { force: true });
    if (existsSync(failed)) {
      return { disabled: `whisper.cpp did not compile with this compiler before (${readFileSync(failed, "utf8").trim()}); set BOSUN_WHISPER_RETRY=1 or delete ${failed} to try again` };
    }
    const r = await compile(cache, cxx, opts);
    if ("disabled" in r) writeFileSync(failed, `see ${join(cache.dir, "build.log")}\n`);
    return r;
  } finally {
    release();
  }
}

/** Configure and build whisper-cli into the cache; the caller holds the build lock. */
async function compile(cache: { dir: string; bin: string; version: string }, cxx: string, opts: { log: (line: string) => void }): Promise<SidecarBuild> {
  const done = (): SidecarBuild => ({ path: cache.bin, sha256: createHash("sha256").update(readFileSync(cache.bin)).digest("hex"), version: cache.version });
  const buildDir = join(cache.dir, "build");
  const logPath = join(cache.dir, "build.log");
  const log = createWriteStream(logPath);
  opts.log(`compiling whisper.cpp ${cache.version} (whisper-cli, once; about 3 minutes on 2 cores; log: ${logPath})`);
  const step = (args: string[], progress: boolean) =>
    new Promise<boolean>((done) => {
      const p = spawn("cmake", args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CXX: cxx } });
      let shown = -1;
      const onData = (b: Buffer) => {
        log.write(b);
        if (!progress) return;
        for (const m of b.toString().matchAll(/\[\s*(\d+)%\]/g)) {
          const pct = Number(m[1]);
          if (pct >= shown + 10) {
            shown = pct - (pct % 10);
            opts.log(`whisper.cpp: ${pct}%`);
          }
        }
      };
      p.stdout.on("data", onData);
      p.stderr.on("data", onData);
      p.on("error", () => done(false));
      p.on("close", (code) => done(code === 0));
    });
  const ok =
    (await step(["-S", resolve(SOURCES), "-B", buildDir, ...WHISPER_FLAGS], false)) &&
    (await step(["--build", buildDir, "-j2", "--target", "whisper-cli"], true));
  await new Promise<void>((r) => log.end(r));
  const built = join(buildDir, "bin", "whisper-cli");
  if (!ok || !existsSync(built)) return { disabled: `whisper.cpp did not compile (see ${logPath})` };
  // Copy then rename: a build cut short never leaves a half-written binary in the cache.
  copyFileSync(built, `${cache.bin}.part`);
  renameSync(`${cache.bin}.part`, cache.bin);
  return done();
}
