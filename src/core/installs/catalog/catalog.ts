import { INSTALL_TARGET_PATTERN, type CustomInstallConfig } from "../../config/schema.ts";
import { BosunError, ExitCode } from "../../errors.ts";
import type { CatalogEntry, CatalogFile, Checksum, ChecksumAlgo } from "../types.ts";
import { loadBuiltin } from "./builtin.ts";

/** One `[[installs.custom]]` item from bosun.toml. */
export type CustomInstall = CustomInstallConfig;

export type Engine = CatalogEntry["engine"];
export const ENGINES: readonly Engine[] = ["whisper", "piper"];

const HEX_LENGTH: Record<ChecksumAlgo, number> = { sha1: 40, md5: 32, sha256: 64 };

/** The built-in catalogue: whisper.cpp models and Piper voices shipped with bosun. */
export function builtinCatalog(): CatalogEntry[] {
  return [...loadBuiltin()];
}

/** Whether `hex` is a well-formed digest for `algo`. */
export function isChecksumHex(algo: ChecksumAlgo, hex: string): boolean {
  return hex.length === HEX_LENGTH[algo] && /^[0-9a-f]+$/.test(hex);
}

/** The key of a `[[installs.custom]]` item an error is about (so a config check can point at it). */
export type CustomInstallKey = "target" | "url" | "size" | "sha256" | "sha1" | "md5";

const CUSTOM_EXAMPLE = 'e.g. { target = "whisper:my-model", url = "https://host/ggml-my-model.bin", size = 147964211, sha256 = "…" }';

/** A `[[installs.custom]]` item that cannot be installed; `index` and `key` say where it is written. */
export class CustomInstallError extends BosunError {
  constructor(
    readonly index: number,
    readonly key: CustomInstallKey,
    message: string,
    hint = CUSTOM_EXAMPLE,
  ) {
    super("invalid_custom_install", message, { exitCode: ExitCode.config, hint });
  }
}

function invalid(index: number, target: string, why: string, key: CustomInstallKey = "target", hint?: string): CustomInstallError {
  return new CustomInstallError(index, key, `${which(index, target)}: ${why}`, hint);
}

function which(index: number, target: string): string {
  return `[[installs.custom]] #${index + 1}${target ? ` (${target})` : ""}`;
}

function customChecksum(c: CustomInstall, index: number): Checksum {
  const given = (["sha256", "sha1", "md5"] as const).filter((algo) => c[algo] !== undefined);
  if (given.length !== 1) throw invalid(index, c.target, `give exactly one checksum (sha256, sha1 or md5), not ${given.length}`, given[1] ?? "sha256");
  const algo = given[0]!;
  const hex = String(c[algo]).toLowerCase();
  if (!isChecksumHex(algo, hex)) throw invalid(index, c.target, `${algo} must be ${HEX_LENGTH[algo]} hex characters`, algo);
  return { algo, hex };
}

function customDest(url: URL, index: number, target: string): string {
  let name: string;
  try {
    name = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf("/") + 1));
  } catch {
    throw invalid(index, target, "the URL's file name is not valid percent-encoding", "url");
  }
  // The name becomes a path under the engine's models dir: nothing that could leave it.
  if (!name || name === "." || name === ".." || /[/\\\0]/.test(name)) {
    throw invalid(index, target, "the URL must end in a file name (e.g. …/ggml-my-model.bin)", "url");
  }
  return name;
}

/**
 * Catalogue entries for `[[installs.custom]]` items: engine from the target, file name from the URL.
 * Throws a CustomInstallError for an item that cannot be installed, including one whose file
 * another target also installs to (see checkOwnFiles).
 */
export function customEntries(config: readonly CustomInstall[]): CatalogEntry[] {
  const seen = new Set<string>();
  const entries = config.map((c, index): CatalogEntry => {
    if (!INSTALL_TARGET_PATTERN.test(c.target)) throw invalid(index, "", `target "${c.target}" must be "whisper:ID" or "piper:ID"`);
    const colon = c.target.indexOf(":");
    const engine = c.target.slice(0, colon) as Engine;
    const id = c.target.slice(colon + 1);
    if (seen.has(c.target)) throw invalid(index, c.target, "this target is defined twice");
    seen.add(c.target);
    let url: URL;
    try {
      url = new URL(c.url);
    } catch {
      throw invalid(index, c.target, "url is not a valid URL", "url");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid(index, c.target, "url must be http:// or https://", "url");
    if (!Number.isSafeInteger(c.size) || c.size <= 0) throw invalid(index, c.target, "size must be the exact size in bytes (a positive integer)", "size");
    const file: CatalogFile = { dest: customDest(url, index, c.target), source: url.href, size: c.size, checksum: customChecksum(c, index) };
    return { target: c.target, engine, id, description: `custom, from ${url.host}`, language: "custom", files: [file], size: c.size, custom: true };
  });
  if (entries.length > 0) checkOwnFiles(entries);
  return entries;
}

interface FileOwner {
  target: string;
  /** The item's number in [[installs.custom]], or null for a built-in entry. */
  index: number | null;
  path: string;
}

/**
 * Every custom target must get files of its own under models/<engine>/: two targets on one file
 * would read each other's download as theirs (one installed, the other broken), and `--force` or
 * uninstall of one would delete the other's. The same goes for a built-in entry's file, unless the
 * custom item replaces that very target; and for a file that is another one's `.part`. Names are
 * compared as a case-insensitive file system (macOS) would.
 */
function checkOwnFiles(custom: CatalogEntry[]): void {
  const replaced = new Set(custom.map((e) => e.target));
  const owners = new Map<string, FileOwner>();
  const keyOf = (engine: string, dest: string) => `${engine}/${dest}`.normalize("NFC").toLowerCase();
  for (const b of loadBuiltin()) {
    if (replaced.has(b.target)) continue;
    for (const f of b.files) owners.set(keyOf(b.engine, f.dest), { target: b.target, index: null, path: `models/${b.engine}/${f.dest}` });
  }
  custom.forEach((e, index) => {
    const dest = e.files[0]!.dest;
    const path = `models/${e.engine}/${dest}`;
    const clash = (name: string) => owners.get(keyOf(e.engine, name));
    const other = clash(dest);
    const partOf = other ? undefined : dest.toLowerCase().endsWith(".part") ? clash(dest.slice(0, -".part".length)) : undefined;
    const partIs = other || partOf ? undefined : clash(`${dest}.part`);
    const found = other ?? partOf ?? partIs;
    if (found) {
      const them = found.index === null ? `the built-in "${found.target}"` : `"${found.target}" (#${found.index + 1})`;
      const why = other
        ? `installs to ${path}, the same file as ${them}${found.path === path ? "" : ` (${found.path}: one file where names differ only in case)`}`
        : partOf
          ? `installs to ${path}, where ${them} keeps its partial download`
          : `its partial download ${path}.part would be the file of ${them}`;
      throw invalid(index, e.target, why, "url", "each target needs a file of its own: the name is the last part of the URL's path, so point one of them at a URL that ends in another file name");
    }
    owners.set(keyOf(e.engine, dest), { target: e.target, index, path });
  });
}

/** The download URL of a file: the mirror joined with its relative source, or the source itself when absolute. */
export function resolveUrl(file: CatalogFile, mirror: string): string {
  if (/^https?:\/\//i.test(file.source)) return file.source;
  // Data paths are raw (e.g. Piper's "pt_PT-tugão-medium"): encode each segment, keep the slashes.
  const path = file.source.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
  return `${mirror.replace(/\/+$/, "")}/${path}`;
}

/** Entries of one engine and/or matching every word of `query` (case-insensitive, in id, description or language). */
export function filterCatalog(entries: readonly CatalogEntry[], opts: { engine?: Engine; query?: string } = {}): CatalogEntry[] {
  const words = (opts.query ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  return entries.filter((e) => {
    if (opts.engine && e.engine !== opts.engine) return false;
    const hay = `${e.target}\n${e.description}\n${e.language}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
