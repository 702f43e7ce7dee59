/**
 * The build's cache of the gzip-compressed onnxruntime library: written under a name of its own,
 * and reused only when it hashes to what was recorded, so a half-written or damaged file (two
 * builds at once, a disk that filled) is compressed again instead of being embedded.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { onnxRuntimeEmbed } from "../../scripts/onnxruntime-embed.ts";

const dir = mkdtempSync(join(tmpdir(), "bosun-ort-embed-"));
const saved = { pkg: process.env.BOSUN_BUILD_ORT_PACKAGE, cache: process.env.BOSUN_BUILD_CACHE };
afterAll(() => {
  for (const [k, v] of [["BOSUN_BUILD_ORT_PACKAGE", saved.pkg], ["BOSUN_BUILD_CACHE", saved.cache]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

test("a cached library that is half-written or damaged is compressed again, never embedded as it is", () => {
  // A small stand-in for onnxruntime-node: its package.json and the two native files.
  const pkg = join(dir, "onnxruntime-node");
  const bin = join(pkg, "bin", "napi-v6", "linux", "x64");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ version: "9.9.9" }));
  writeFileSync(join(bin, "onnxruntime_binding.node"), "binding");
  const lib = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
  writeFileSync(join(bin, "libonnxruntime.so.1"), lib);
  process.env.BOSUN_BUILD_ORT_PACKAGE = pkg;
  process.env.BOSUN_BUILD_CACHE = join(dir, "cache");

  const first = onnxRuntimeEmbed({ target: "bun-linux-x64" });
  if ("disabled" in first) throw new Error(first.disabled);
  const gz = first.library.path;
  expect(new Uint8Array(gunzipSync(readFileSync(gz)))).toEqual(lib);
  // Nothing of the writing is left beside it.
  expect(readdirSync(dirname(gz)).filter((n) => n.includes(".part"))).toEqual([]);

  // Cut short, as a rename of another build's unfinished file would leave it.
  truncateSync(gz, 100);
  const again = onnxRuntimeEmbed({ target: "bun-linux-x64" });
  if ("disabled" in again) throw new Error(again.disabled);
  expect(again.library.path).toBe(gz);
  expect(new Uint8Array(gunzipSync(readFileSync(gz)))).toEqual(lib);

  // The same length, other bytes: the hash tells.
  const whole = readFileSync(gz);
  whole[whole.length - 5]! ^= 0xff;
  writeFileSync(gz, whole);
  onnxRuntimeEmbed({ target: "bun-linux-x64" });
  expect(new Uint8Array(gunzipSync(readFileSync(gz)))).toEqual(lib);
});
