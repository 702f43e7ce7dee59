/**
 * Loading onnxruntime. From source (`bun test`, `bun run`) the onnxruntime-node package is imported
 * as it is. In dist/bosun its two native files are embedded: they are extracted once into
 * `$BOSUN_HOME/lib/onnxruntime-<version>/` (0700, each file checked by sha256 before it is loaded,
 * the library gunzipped on the way), and build.ts points binding.js's require at
 * `globalThis.__BOSUN_ORT_BINDING__`. Imported lazily: the binding loads when the module does.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ensurePrivateDir } from "../../util/fsx.ts";
import { VoiceError } from "../types.ts";
import { embeddedOrt, ortCompiled, ortDisabledReason, type EmbeddedFile, type EmbeddedOrt } from "./embedded-ort.ts";

export type Ort = typeof import("onnxruntime-node");

export interface OrtBuild {
  compiled: boolean;
  embedded: EmbeddedOrt | null;
  disabledReason: string | null;
}

const bundled: OrtBuild = { compiled: ortCompiled, embedded: embeddedOrt, disabledReason: ortDisabledReason };

let loaded: Promise<Ort> | null = null;

/** The onnxruntime module, loaded once per process (a native module cannot be unloaded). */
export function loadOnnxRuntime(libDir: string, build: OrtBuild = bundled): Promise<Ort> {
  loaded ??= load(libDir, build).catch((err) => {
    loaded = null; // a failed extraction (disk full) may work next time
    throw err;
  });
  return loaded;
}

async function load(libDir: string, build: OrtBuild): Promise<Ort> {
  if (build.compiled) {
    const emb = build.embedded;
    if (!emb) throw unavailable(`this bosun was built without onnxruntime (${build.disabledReason ?? "unknown reason"})`);
    const dir = join(libDir, `onnxruntime-${emb.version}`);
    try {
      ensurePrivateDir(libDir);
      ensurePrivateDir(dir);
      extract(emb.library, join(dir, emb.library.name));
      (globalThis as { __BOSUN_ORT_BINDING__?: string }).__BOSUN_ORT_BINDING__ = extract(emb.binding, join(dir, "onnxruntime_binding.node"));
    } catch (err) {
      throw unavailable(`onnxruntime cannot be extracted to ${dir}: ${(err as Error).message}`);
    }
  }
  try {
    return await import("onnxruntime-node");
  } catch (err) {
    throw unavailable(`onnxruntime cannot load here: ${(err as Error).message.split("\n")[0]!.slice(0, 300)}`);
  }
}

/**
 * Write `file` to `dest` unless an identical file is there. A symlink or anything else planted
 * there is replaced, never followed; temp + rename so no process sees half a library.
 */
function extract(file: EmbeddedFile, dest: string): string {
  const st = existsSync(dest) ? lstatSync(dest) : null;
  if (!st?.isFile() || sha256(readFileSync(dest)) !== file.sha256) {
    if (st && !st.isFile()) rmSync(dest, { recursive: true, force: true });
    const stored = readFileSync(file.path);
    const bytes = file.gzip ? gunzipSync(stored) : stored;
    if (sha256(bytes) !== file.sha256) throw new Error(`the embedded ${dest.split("/").pop()} does not match its checksum`);
    const tmp = `${dest}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes, { mode: 0o700 });
    chmodSync(tmp, 0o700);
    renameSync(tmp, dest);
  }
  chmodSync(dest, 0o700);
  return dest;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function unavailable(why: string): VoiceError {
  return new VoiceError("voice_unavailable", `speech synthesis is not available: ${why}`, "rebuild bosun with onnxruntime-node installed (npm install; npm run build)");
}
