/**
 * The onnxruntime native files dist/bosun embeds for text to speech: onnxruntime-node's N-API
 * binding and the library it links (RUNPATH $ORIGIN, so both are extracted into one directory).
 * The library is stored gzip-compressed (45 MB → about 17.5 MB inside the binary), compressed once
 * and cached under .cache/onnxruntime/. Missing files never fail the build: the result says why
 * speech synthesis is disabled. Used by build.ts only (Bun, Node APIs).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
const PACKAGE = process.env.BOSUN_BUILD_ORT_PACKAGE || "node_modules/onnxruntime-node";

/** The files for `target` ("bun-linux-x64", "bun-linux-arm64-baseline"...; this machine's when absent). */
export function onnxRuntimeEmbed(opts: { target?: string; gzip?: boolean }): OrtEmbed {
  const m = /^bun-(linux|darwin|windows)-(x64|arm64)(?:-(baseline|modern))?(?:-(musl))?$/.exec(opts.target ?? `bun-${platform()}-${arch()}`);
  if (!m) return { disabled: `no onnxruntime for the target ${opts.target}` };
  const [, os, cpu, , musl] = m;
  // onnxruntime-node ships glibc builds; its macOS library was not tried inside a compiled binary.
  if (os !== "linux" || musl) return { disabled: `onnxruntime is embedded in glibc Linux builds only (not ${opts.target ?? `${platform()}-${arch()}`})` };
  const pkg = resolve(PACKAGE, "package.json");
  if (!existsSync(pkg)) return { disabled: "onnxruntime-node is not installed (npm install)" };
  const version = (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  const dir = resolve(PACKAGE, "bin", "napi-v6", os!, cpu!);
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
    if (!existsSync(libPath)) {
      mkdirSync(cache, { recursive: true });
      writeFileSync(`${libPath}.part`, gzipSync(libBytes, { level: 9 }));
      renameSync(`${libPath}.part`, libPath);
    }
  }
  return {
    binding: { path: binding, sha256: sha256(readFileSync(binding)), gzip: false },
    library: { path: libPath, sha256: libSha, gzip: opts.gzip ?? true, name: "libonnxruntime.so.1" },
    version,
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
