/**
 * Build dist/bosun: one compiled executable (bytecode, ESM, minified), version and git sha baked
 * in, Ink's optional devtools import stubbed, bunfig/.env autoload off at run time.
 *   bun run build.ts [--target bun-linux-x64|bun-linux-arm64|bun-darwin-arm64|...] [--outfile PATH] [--no-gzip-ort]
 * (--no-gzip-ort embeds libonnxruntime uncompressed: 28 MB bigger, no gunzip at first extraction.)
 */
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BunPlugin } from "bun";
import { onnxRuntimeEmbed } from "./scripts/onnxruntime-embed.ts";
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

// onnxruntime's native files for text to speech; without them the build goes on with speech synthesis disabled.
const ort = onnxRuntimeEmbed({ target, gzip: !args.includes("--no-gzip-ort") });
if ("disabled" in ort) console.error(`speech synthesis disabled: ${ort.disabled}`);

/**
 * src/core/voice/tts/embedded-ort.ts says "not built"; the compiled binary gets the two native files
 * embedded instead, and binding.js's require of `../bin/napi-v6/...` (a path inside node_modules)
 * becomes a require of the extracted file (voice/tts/onnxruntime.ts sets the global first). With
 * onnxruntime disabled the package is never bundled: its import resolves to a module that throws.
 */
const embedOrt: BunPlugin = {
  name: "embed-onnxruntime",
  setup(build) {
    const file = resolve("src/core/voice/tts/embedded-ort.ts");
    build.onLoad({ filter: /embedded-ort\.ts$/ }, (a) => {
      if (resolve(a.path) !== file) return undefined;
      if ("disabled" in ort) {
        return { contents: `export const ortDisabledReason = ${JSON.stringify(ort.disabled)};\nexport const ortCompiled = true;\nexport const embeddedOrt = null;\n`, loader: "ts" };
      }
      const contents =
        `import binding from ${JSON.stringify(ort.binding.path)} with { type: "file" };\n` +
        `import library from ${JSON.stringify(ort.library.path)} with { type: "file" };\n` +
        `export const ortDisabledReason = null;\nexport const ortCompiled = true;\n` +
        `export const embeddedOrt = { binding: { path: binding, sha256: ${JSON.stringify(ort.binding.sha256)}, gzip: false }, library: { path: library, sha256: ${JSON.stringify(ort.library.sha256)}, gzip: ${ort.library.gzip}, name: ${JSON.stringify(ort.library.name)} }, version: ${JSON.stringify(ort.version)} };\n`;
      return { contents, loader: "ts" };
    });
    if ("disabled" in ort) {
      build.onResolve({ filter: /^onnxruntime-node$/ }, () => ({ path: "onnxruntime-node", namespace: "ort-off" }));
      build.onLoad({ filter: /.*/, namespace: "ort-off" }, () => ({ contents: 'throw new Error("onnxruntime is not in this build");', loader: "js" }));
      return;
    }
    build.onLoad({ filter: /onnxruntime-node[\\/]dist[\\/]binding\.js$/ }, (a) => {
      const src = readFileSync(a.path, "utf8");
      const replaced = src.replace(/require\(`\.\.\/bin\/napi-v6\/[^`]*`\)/, "require(globalThis.__BOSUN_ORT_BINDING__)");
      if (replaced === src) throw new Error(`${a.path}: the binding's require was not found (onnxruntime-node changed?)`);
      return { contents: replaced, loader: "js" };
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
  plugins: [stubDevtools, embedSidecar, embedOrt],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const speech = "disabled" in ort ? ", without speech synthesis" : `, onnxruntime ${ort.version}`;
console.error(`built ${outfile} (bosun ${pkg.version}, ${sha}${"disabled" in sidecar ? ", without voice" : `, whisper.cpp ${sidecar.version}`}${speech}) in ${Math.round(performance.now() - started)} ms`);
