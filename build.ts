/**
 * Build dist/bosun: one compiled executable (bytecode, ESM, minified), version and git sha baked
 * in, Ink's optional devtools import stubbed, bunfig/.env autoload off at run time.
 *   bun run build.ts [--target bun-linux-x64|bun-linux-arm64|bun-darwin-arm64|...] [--outfile PATH]
 */
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BunPlugin } from "bun";
import { buildWhisperSidecar } from "./scripts/whisper-sidecar.ts";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const target = flag("--target");
const outfile = flag("--outfile") ?? (target ? `dist/bosun-${target.replace(/^bun-/, "")}` : "dist/bosun");

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
let sha = "unknown";
try {
  sha = execSync("git rev-parse --short HEAD", { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
} catch {
  // not a git checkout (e.g. a source tarball)
}

/**
 * Optional imports a compiled binary must not carry: Ink imports react-devtools-core (loading it
 * would fail at start), and ogg-opus-decoder imports its 9 MB machine-learning decoder, used only
 * with `speechQualityEnhancement`, which bosun never asks for.
 */
const STUBS: Record<string, string> = {
  "react-devtools-core": "export default { initialize() {}, connectToDevTools() {} };",
  "@wasm-audio-decoders/opus-ml": 'const off = () => { throw new Error("the Opus ML decoder is not in this build"); }; export const OpusMLDecoder = off; export const OpusMLDecoderWebWorker = off;',
};
const stubDevtools: BunPlugin = {
  name: "stub-optional-imports",
  setup(build) {
    build.onResolve({ filter: /^(react-devtools-core|@wasm-audio-decoders\/opus-ml)$/ }, (a) => ({ path: a.path, namespace: "stub" }));
    build.onLoad({ filter: /.*/, namespace: "stub" }, (a) => ({ contents: STUBS[a.path] ?? "export {};", loader: "js" }));
  },
};

const started = performance.now();
// The whisper.cpp sidecar, compiled once and cached; without it the build goes on with voice disabled.
const sidecar = await buildWhisperSidecar({ target, log: (line) => console.error(line) });
if ("disabled" in sidecar) console.error(`voice disabled: ${sidecar.disabled}`);

/** src/core/voice/embedded-sidecar.ts says "not built"; the compiled binary gets the cached whisper-cli embedded instead. */
const embedSidecar: BunPlugin = {
  name: "embed-whisper-sidecar",
  setup(build) {
    const file = resolve("src/core/voice/embedded-sidecar.ts");
    build.onLoad({ filter: /embedded-sidecar\.ts$/ }, (args) => {
      if (resolve(args.path) !== file) return undefined;
      const contents =
        "disabled" in sidecar
          ? `export const sidecarDisabledReason = ${JSON.stringify(sidecar.disabled)};\nexport const embeddedSidecar = null;\n`
          : `import path from ${JSON.stringify(sidecar.path)} with { type: "file" };\n` +
            `export const sidecarDisabledReason = null;\n` +
            `export const embeddedSidecar = { path, sha256: ${JSON.stringify(sidecar.sha256)}, version: ${JSON.stringify(sidecar.version)} };\n`;
      return { contents, loader: "ts" };
    });
  },
};

const result = await Bun.build({
  entrypoints: ["src/cli/main.ts"],
  compile: {
    outfile,
    ...(target ? { target: target as Bun.Build.CompileTarget } : {}),
    autoloadBunfig: false,
    autoloadDotenv: false,
  },
  bytecode: true,
  format: "esm",
  minify: true,
  sourcemap: "none",
  define: {
    BOSUN_VERSION: JSON.stringify(pkg.version),
    BOSUN_GIT_SHA: JSON.stringify(sha),
    "process.env.NODE_ENV": JSON.stringify("production"),
  },
  plugins: [stubDevtools, embedSidecar],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.error(`built ${outfile} (bosun ${pkg.version}, ${sha}${"disabled" in sidecar ? ", without voice" : `, whisper.cpp ${sidecar.version}`}) in ${Math.round(performance.now() - started)} ms`);
