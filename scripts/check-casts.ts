/**
 * No unchecked casts in the source: `as never` and `as unknown as` say "trust me" where a seam
 * should say what it carries (issue: one contract per seam). Run by `.ci/run` before the tests:
 * `bun scripts/check-casts.ts`. Tests may use them to build stand-ins; src/ may not.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const UNCHECKED = /\bas\s+never\b|\bas\s+unknown\s+as\b/;

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.tsx?$/.test(e.name)) yield p;
  }
}

const found: string[] = [];
for (const file of sources(join(ROOT, "src"))) {
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (UNCHECKED.test(line.replace(/\/\/.*$/, ""))) found.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
    });
}
if (found.length > 0) {
  process.stderr.write(`unchecked casts in src/ (type the seam instead):\n${found.join("\n")}\n`);
  process.exit(1);
}
process.stdout.write("casts: no `as never` or `as unknown as` in src/\n");
