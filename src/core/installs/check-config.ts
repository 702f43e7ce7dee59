import { readFileSync } from "node:fs";
import type { LoadedConfig } from "../config/load.ts";
import { formatKeyPath, type KeyPath } from "../config/keypath.ts";
import { locateKey, type SourcePosition } from "../config/locate.ts";
import type { InstallsConfig } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import { didYouMean } from "../util/suggest.ts";
import { builtinCatalog, customEntries, CustomInstallError } from "./catalog/catalog.ts";
import type { CatalogEntry } from "./types.ts";

/** The config file an [installs] check reports against; `text` is read from `file` when absent. */
export interface InstallsSource {
  file: string | null;
  text?: string;
}

/**
 * The catalogue entries of `[[installs.custom]]`, checked for what the schema can't: every item can
 * be installed and has a file of its own (no two targets, nor a target and a built-in entry, on one
 * models/<engine>/<file>). Throws a ConfigError at the offending item's key (file:line:col).
 */
export function checkCustomInstalls(installs: InstallsConfig, src: InstallsSource): CatalogEntry[] {
  try {
    return customEntries(installs.custom);
  } catch (err) {
    if (!(err instanceof CustomInstallError)) throw err;
    const path = ["installs", "custom", err.index, err.key];
    const pos = position(src, path);
    throw new ConfigError(err.message, { file: src.file ?? "(embedded default)", ...pos, key: formatKeyPath(path), hint: err.hint });
  }
}

/**
 * Check what the schema can't about `[installs]`: the custom items (checkCustomInstalls), and that
 * every `want` target exists in the catalogue or in `[[installs.custom]]`. Throws a ConfigError at
 * file:line:col, with a did-you-mean for an unknown target.
 */
export function checkInstallTargets(loaded: LoadedConfig, text?: string): void {
  const src: InstallsSource = { file: loaded.path, ...(text === undefined ? {} : { text }) };
  const custom = checkCustomInstalls(loaded.config.installs, src);
  const { want } = loaded.config.installs;
  if (want.length === 0) return;
  const known = [...builtinCatalog(), ...custom].map((e) => e.target);
  const set = new Set(known);
  want.forEach((target, i) => {
    if (set.has(target)) return;
    const guess = didYouMean(target, known);
    throw new ConfigError(`installs.want: unknown install target "${target}"`, {
      file: loaded.path ?? "(embedded default)",
      ...position(src, ["installs", "want", i]),
      key: `installs.want[${i}]`,
      hint: guess ? `did you mean "${guess}"?` : "`bosun catalog` lists the targets; add private ones with [[installs.custom]]",
    });
  });
}

/** Where `path` is written; 1:1 when the file can't be read (the position is a courtesy, the error stands). */
function position(src: InstallsSource, path: KeyPath): SourcePosition {
  try {
    const text = src.text ?? (src.file ? readFileSync(src.file, "utf8") : null);
    // parseConfig drops a BOM before it reads positions; so must this.
    if (text !== null) return locateKey(text.startsWith("\uFEFF") ? text.slice(1) : text, path);
  } catch {
    // fall through
  }
  return { line: 1, column: 1 };
}
