import { readFileSync } from "node:fs";
import type { LoadedConfig } from "../config/load.ts";
import { locateKey } from "../config/locate.ts";
import { ConfigError } from "../errors.ts";
import { didYouMean } from "../util/suggest.ts";
import { builtinCatalog, customEntries } from "./catalog/catalog.ts";

/**
 * Check what the schema can't: that every `[installs] want` target exists in the catalogue (or in
 * `[[installs.custom]]`). Throws a ConfigError at the target's file:line:col with a did-you-mean.
 */
export function checkInstallTargets(loaded: LoadedConfig): void {
  const { want, custom } = loaded.config.installs;
  if (want.length === 0) return;
  const known = [...builtinCatalog(), ...customEntries(custom)].map((e) => e.target);
  const set = new Set(known);
  want.forEach((target, i) => {
    if (set.has(target)) return;
    const file = loaded.path ?? "(embedded default)";
    let pos = { line: 1, column: 1 };
    try {
      if (loaded.path) pos = locateKey(readFileSync(loaded.path, "utf8"), ["installs", "want", i]);
    } catch {
      // the position is a courtesy; the error stands without it
    }
    const guess = didYouMean(target, known);
    throw new ConfigError(`installs.want: unknown install target "${target}"`, {
      file,
      line: pos.line,
      column: pos.column,
      key: `installs.want[${i}]`,
      hint: guess ? `did you mean "${guess}"?` : "`bosun catalog` lists the targets; add private ones with [[installs.custom]]",
    });
  });
}
