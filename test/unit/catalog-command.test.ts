import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseEngine, renderCatalog, sortCatalog } from "../../src/cli/commands/catalog.ts";
import { setColor } from "../../src/cli/output.ts";
import { BosunError, ExitCode } from "../../src/core/errors.ts";
import { builtinCatalog, customEntries, filterCatalog } from "../../src/core/installs/catalog/catalog.ts";
import type { InstallStatus } from "../../src/core/status.ts";

const root = resolve(import.meta.dir, "../..");

/** Run `bosun catalog ...` from source in a private home and cwd. */
function runCatalog(args: string[], config?: string) {
  const dir = mkdtempSync(join(tmpdir(), "bosun-catalog-"));
  if (config !== undefined) writeFileSync(join(dir, "bosun.toml"), config);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, BOSUN_HOME: join(dir, "home"), XDG_CONFIG_HOME: join(dir, "xdg"), XDG_DATA_HOME: join(dir, "xdg-data"), NO_COLOR: "1" };
  const r = spawnSync(process.execPath, [join(root, "src/cli/main.ts"), "catalog", ...args], { cwd: dir, env, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("catalog command parts", () => {
  test("parseEngine accepts the two engines and rejects others with a usage error", () => {
    expect(parseEngine(undefined)).toBeUndefined();
    expect(parseEngine("Whisper")).toBe("whisper");
    expect(parseEngine("piper")).toBe("piper");
    try {
      parseEngine("pipr");
      throw new Error("expected a usage error");
    } catch (e) {
      expect(e).toBeInstanceOf(BosunError);
      expect((e as BosunError).exitCode).toBe(ExitCode.usage);
      expect((e as BosunError).hint).toContain("did you mean piper?");
    }
  });

  test("sortCatalog: whisper before piper, then by size", () => {
    const sorted = sortCatalog([...builtinCatalog()].reverse());
    const firstPiper = sorted.findIndex((e) => e.engine === "piper");
    expect(sorted.slice(0, firstPiper).every((e) => e.engine === "whisper")).toBe(true);
    expect(sorted.slice(firstPiper).every((e) => e.engine === "piper")).toBe(true);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.engine === sorted[i - 1]!.engine) expect(sorted[i]!.size).toBeGreaterThanOrEqual(sorted[i - 1]!.size);
    }
    expect(sorted[0]!.target).toBe("whisper:tiny-q5_1");
  });

  test("renderCatalog: header, aligned rows, human sizes, a custom entry described once", () => {
    setColor(false);
    const [custom] = customEntries([{ target: "whisper:mine", url: "https://example.com/ggml-mine.bin", size: 3 * 1024 * 1024, md5: "0".repeat(32) }]);
    const text = renderCatalog([...filterCatalog(builtinCatalog(), { query: "whisper:base.en" }), custom!]);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^TARGET\s+SIZE\s+LANGUAGE\s+QUALITY\s+INSTALLED\s+DESCRIPTION$/);
    expect(lines.find((l) => l.startsWith("whisper:base.en "))).toMatch(/^whisper:base\.en\s+141\.1 MiB\s+en\s+base\s+English-only, base$/);
    // "custom, from example.com", not "custom, from example.com (custom)".
    expect(lines.find((l) => l.startsWith("whisper:mine"))).toMatch(/3\.0 MiB\s+custom\s+custom, from example\.com$/);
    // Columns line up: SIZE ends at the same offset in every row.
    const end = lines[0]!.indexOf("SIZE") + 4;
    for (const l of lines.slice(1)) expect(l.slice(end - 3, end)).toBe("MiB");
  });

  test("renderCatalog: the INSTALLED column says yes, or the state of one under way or broken", () => {
    setColor(false);
    const entries = filterCatalog(builtinCatalog(), { engine: "whisper", query: "base" });
    const st = (target: string, state: InstallStatus["state"], progress = 0): [string, InstallStatus] => [target, { target, state, progress, downloadedBytes: 0, totalBytes: 0, stage: null, error: null }];
    const lines = renderCatalog(entries, new Map([st("whisper:base.en", "installed"), st("whisper:base", "installing", 40)])).split("\n");
    const col = lines[0]!.indexOf("INSTALLED");
    const at = (target: string) => lines.find((l) => l.startsWith(`${target} `))!.slice(col).split(/\s{2,}/)[0];
    expect(at("whisper:base.en")).toBe("yes");
    expect(at("whisper:base")).toBe("installing 40%");
    expect(lines.find((l) => l.startsWith("whisper:base-q5_1 "))?.slice(col, col + 9).trim()).toBe("");
  });
});

describe("bosun catalog", () => {
  test("lists one engine as a table sorted by size", () => {
    const r = runCatalog(["whisper"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n").slice(1);
    expect(rows.length).toBe(builtinCatalog().filter((e) => e.engine === "whisper").length);
    expect(rows.every((l) => l.startsWith("whisper:"))).toBe(true);
    expect(rows.at(-1)).toMatch(/^whisper:large-v3\s+2\.88 GiB/);
  });

  test("--filter and --json print the matching entries", () => {
    const r = runCatalog(["piper", "--filter", "lessac medium", "--json"]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ target: string; files: unknown[]; installed: boolean }>;
    expect(list.map((e) => e.target)).toEqual(["piper:en_US-lessac-medium"]);
    expect(list[0]!.installed).toBe(false);
    expect(list[0]!.files.length).toBe(2);
  });

  test("an unknown engine exits 2 with a hint", () => {
    const r = runCatalog(["kokoro"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown engine "kokoro"');
    expect(r.stderr).toContain("engines: whisper, piper");
  });

  test("custom entries from bosun.toml are listed", () => {
    const toml = `[[installs.custom]]\ntarget = "whisper:mine"\nurl = "https://example.com/ggml-mine.bin"\nsize = 1000\nsha256 = "${"c".repeat(64)}"\n`;
    const r = runCatalog(["--filter", "mine", "--json"], toml);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ target: string; custom?: boolean }>;
    expect(list).toEqual([expect.objectContaining({ target: "whisper:mine", custom: true })]);
  });
});
