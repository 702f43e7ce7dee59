/**
 * The onnxruntime native files this build embeds, or null. This committed module says "not built":
 * build.ts replaces its contents when it compiles dist/bosun (imports of the two files `with {
 * type: "file" }`), so typecheck, `bun test` and `bun run` see plain TypeScript and load the
 * onnxruntime-node package from node_modules.
 */
export interface EmbeddedFile {
  /** Where the runtime serves the embedded file from (inside the compiled binary). */
  path: string;
  /** sha256 of the file as extracted (after gunzip), hex. */
  sha256: string;
  /** Stored gzip-compressed inside the binary (libonnxruntime: 45 MB → 17.5 MB). */
  gzip: boolean;
}

export interface EmbeddedOrt {
  /** onnxruntime_binding.node: the N-API module onnxruntime-node's binding.js requires. */
  binding: EmbeddedFile;
  /** libonnxruntime.so.1 (libonnxruntime.1.dylib on macOS): found by the binding through RUNPATH $ORIGIN, so it sits next to it. */
  library: EmbeddedFile & { name: string };
  /** The onnxruntime-node version ("1.30.0"): names the extraction directory. */
  version: string;
}

/** Why this build has no speech synthesis, when it has none; null when built with it or not built at all. */
export const ortDisabledReason: string | null = null;

/** false in the committed module: onnxruntime-node is imported from node_modules. */
export const ortCompiled: boolean = false;

export const embeddedOrt: EmbeddedOrt | null = null;
