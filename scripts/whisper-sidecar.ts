/**
 * Build whisper.cpp's `whisper-cli` (the speech-to-text sidecar) from the sources inside the
 * nodejs-whisper dev dependency, once: the binary is cached under .cache/whisper/<version>-<flags hash>/
 * so `npm test` and `npm start` do not recompile it (~3 min on 2 cores). Missing cmake, a missing
 * C++ compiler or a failed compile never fail the build: the result says why voice is disabled.
 * Used by build.ts only (Bun, Node APIs; prints progress to stderr).
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { arch, platform } from "node:os";
import { join, resolve } from "node:path";

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
