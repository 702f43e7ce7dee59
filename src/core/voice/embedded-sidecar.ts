/**
 * The whisper-cli this build embeds, or null. This committed module says "not built": build.ts
 * replaces its contents when it compiles dist/bosun with the sidecar (an import of the cached
 * binary `with { type: "file" }`), so typecheck, `bun test` and Deno see plain TypeScript.
 */
export interface EmbeddedSidecar {
  /** Where the runtime serves the embedded file from (inside the compiled binary). */
  path: string;
  /** sha256 of the binary, hex: the extracted copy is checked against it. */
  sha256: string;
  /** The whisper.cpp version it was built from. */
  version: string;
}

/** Why there is no sidecar, when there is none (build.ts puts the reason it printed here). */
export const sidecarDisabledReason: string | null = "this bosun was not built with build.ts";

export const embeddedSidecar: EmbeddedSidecar | null = null;
