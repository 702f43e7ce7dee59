/**
 * The onnxruntime native files dist/bosun embeds for text to speech: onnxruntime-node's N-API
 * binding and the library it links (RUNPATH $ORIGIN, so both are extracted into one directory).
 * The library is stored gzip-compressed (45 MB → about 17.5 MB inside the binary), compressed once
 * and cached under .cache/onnxruntime/ with its sha256 beside it, checked before each reuse.
 * Missing files never fail the build: the result says why speech synthesis is disabled. Used by build.ts only (Bun, Node APIs).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { arch, platform } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

export interface EmbedFile {
  /** The file to embed (the .gz for the library). */
  path: string;
  /** sha256 of the file as extracted. */
  sha256: string;
  gzip: boolean;
}
export type OrtEmbed = { binding: EmbedFile; library: EmbedFile & { name: string }; version: string } | { disabled: string };

/** The package's folder; BOSUN_BUILD_ORT_PACKAGE moves it (a test points it at an empty folder to build without). */
const packageDir = () => process.env.BOSUN_BUILD_ORT_PACKAGE || "node_modules/onnxruntime-node";

/** The files for `target` ("bun-linux-x64", "bun-linux-arm64-baseline"...; this machine's when absent). */
export function onnxRuntimeEmbed(opts: { target?: string; gzip?: boolean }): OrtEmbed {
  const m = /^bun-(linux|darwin|windows)-(x64|arm64)(?:-(baseline|modern))?(?:-(musl))?$/.exec(opts.target ?? `bun-${platform()}-${arch()}`);
  if (!m) return { disabled: `no onnxruntime for the target ${opts.target}` };
  const [, os, cpu, , musl] = m;
  // onnxruntime-node ships glibc builds; its macOS library was not tried inside a compiled binary.
  if (os !== "linux" || musl) return { disabled: `onnxruntime is embedded in glibc Linux builds only (not ${opts.target ?? `${platform()}-${arch()}`})` };
  const pkg = resolve(packageDir(), "package.json");
  if (!existsSync(pkg)) return { disabled: "onnxruntime-node is not installed (npm install)" };
  const version = (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  const dir = resolve(packageDir(), "bin", "napi-v6", os!, cpu!);
  const binding = join(dir, "onnxruntime_binding.node");
  const library = join(dir, "libonnxruntime.so.1");
  for (const f of [binding, library]) if (!existsSync(f)) return { disabled: `onnxruntime-node has no ${f.slice(dir.length + 1)} for ${os}-${cpu} (reinstall it: npm install)` };
  const libBytes = readFileSync(library);
  const libSha = sha256(libBytes);
  let libPath = library;
  if (opts.gzip ?? true) {
    // BOSUN_BUILD_CACHE moves the cache (tests build without one).
    const cache = resolve(process.env.BOSUN_BUILD_CACHE || ".cache", "onnxruntime", `${version}-${os}-${cpu}-${libSha.slice(0, 12)}`);
    libPath = join(cache, "libonnxruntime.so.1.gz");
    if (!cachedIntact(libPath)) {
      mkdirSync(cache, { recursive: true });
      const gz = gzipSync(libBytes, { level: 9 });
      // The file first, then what it must hash to: a reader that finds the new file with the old
      // (or no) record compresses again instead of trusting it.
      writeWhole(libPath, gz);
      writeWhole(`${libPath}.sha256`, `${sha256(gz)} ${gz.length}\n`);
    }
  }
  return {
    binding: { path: binding, sha256: sha256(readFileSync(binding)), gzip: false },
    library: { path: libPath, sha256: libSha, gzip: opts.gzip ?? true, name: "libonnxruntime.so.1" },
    version,
  };
}

/** Whether the cached file is whole: its sha256 and size match what was recorded when it was written. */
function cachedIntact(path: string): boolean {
  try {
    const [hash, size] = readFileSync(`${path}.sha256`, "utf8").trim().split(" ");
    const bytes = readFileSync(path);
    return bytes.length === Number(size) && sha256(bytes) === hash;
  } catch {
    return false;
  }
}

/**
 * Write a file under a name of this writer's own, then rename it into place: two builds at once
 * (perhaps in containers sharing the checkout, where pids repeat) never rename each other's half-written file.
 */
function writeWhole(path: string, data: string | Uint8Array): void {
  const part = `${path}.${process.pid}-${randomBytes(6).toString("hex")}.part`;
  try {
    writeFileSync(part, data);
    renameSync(part, path);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
