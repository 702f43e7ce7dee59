import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { BosunError, ExitCode } from "../../src/core/errors.ts";
import {
  builtinCatalog,
  customEntries,
  CustomInstallError,
  filterCatalog,
  resolveUrl,
  type CustomInstall,
} from "../../src/core/installs/catalog/catalog.ts";
import type { CatalogFile } from "../../src/core/installs/types.ts";

/** The built-in entry of `target`. */
const findEntry = (target: string) => builtinCatalog().find((e) => e.target === target);

const HEX_LENGTH = { sha1: 40, md5: 32, sha256: 64 } as const;

describe("built-in catalogue data", () => {
  const all = builtinCatalog();

  test("every entry is well-formed: engine:id target, sizes, checksums of the right length", () => {
    expect(all.length).toBeGreaterThan(150);
    for (const e of all) {
      expect(e.target).toBe(`${e.engine}:${e.id}`);
      expect(e.target).toMatch(/^(whisper|piper):\S+$/);
      expect(e.files.length).toBeGreaterThan(0);
      expect(e.size).toBe(e.files.reduce((n, f) => n + f.size, 0));
      for (const f of e.files) {
        expect(Number.isSafeInteger(f.size) && f.size > 0).toBe(true);
        expect(f.checksum.hex).toMatch(new RegExp(`^[0-9a-f]{${HEX_LENGTH[f.checksum.algo]}}$`));
        expect(f.dest).not.toContain("/");
        expect(f.source.endsWith(`/${f.dest}`)).toBe(true);
      }
    }
  });

  test("targets are unique", () => {
    expect(new Set(all.map((e) => e.target)).size).toBe(all.length);
  });

  test("whisper: the models semantics names, with README SHA-1 and exact byte sizes", () => {
    const ids = all.filter((e) => e.engine === "whisper").map((e) => e.id);
    for (const id of ["tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en", "large-v3", "large-v3-turbo", "tiny-q5_1", "base.en-q5_1", "large-v3-turbo-q5_0"]) {
      expect(ids).toContain(id);
    }
    const base = findEntry("whisper:base.en")!;
    expect(base.files).toEqual([
      {
        dest: "ggml-base.en.bin",
        source: "ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin",
        size: 147964211,
        checksum: { algo: "sha1", hex: "137c40403d78fd54d454da0f9bd998f78703390c" },
      },
    ]);
    expect(base.language).toBe("en");
    expect(findEntry("whisper:large-v3-turbo")!.files[0]!.checksum).toEqual({ algo: "sha1", hex: "4af2b29d7ec73d781377bfd1758ca957a807e941" });
    // Quantized variants the README doesn't list carry Hugging Face's LFS SHA-256.
    expect(findEntry("whisper:tiny-q5_1")!.files[0]!.checksum).toEqual({ algo: "sha256", hex: "818710568da3ca15689e31a743197b520007872ff9576237bda97bd1b469c3d7" });
    expect(findEntry("whisper:tiny")!.language).toBe("multilingual");
  });

  test("piper: en_US-lessac-medium has its .onnx and .onnx.json with MD5", () => {
    const v = findEntry("piper:en_US-lessac-medium")!;
    expect(v.engine).toBe("piper");
    expect(v.language).toBe("en_US");
    expect(v.quality).toBe("medium");
    expect(v.files.map((f) => f.dest)).toEqual(["en_US-lessac-medium.onnx", "en_US-lessac-medium.onnx.json"]);
    expect(v.files[0]).toEqual({
      dest: "en_US-lessac-medium.onnx",
      source: "rhasspy/piper-voices/resolve/v1.0.0/en/en_US/lessac/medium/en_US-lessac-medium.onnx",
      size: 63201294,
      checksum: { algo: "md5", hex: "2fc642b535197b6305c7c8f92dc8b24f" },
    });
    expect(v.files[1]!.checksum).toEqual({ algo: "md5", hex: "c1f2b7bddefe113f3255ff9ef234cfd3" });
  });

  test("every piper voice is exactly one .onnx plus its .onnx.json", () => {
    const voices = all.filter((e) => e.engine === "piper");
    expect(voices.length).toBeGreaterThan(100);
    for (const v of voices) {
      expect(v.files.map((f) => f.dest)).toEqual([`${v.id}.onnx`, `${v.id}.onnx.json`]);
      expect(["x_low", "low", "medium", "high"]).toContain(v.quality!);
    }
  });

  test("builtinCatalog hands out a fresh array each time", () => {
    const a = builtinCatalog();
    a.length = 0;
    expect(builtinCatalog().length).toBe(all.length);
  });
});

describe("customEntries", () => {
  const ok: CustomInstall = { target: "whisper:my-model", url: "https://models.example.com/x/ggml-my%20model.bin?dl=1", size: 1234, sha1: "AB".repeat(20) };

  test("builds one entry: engine from the target, dest from the URL path, lower-case checksum", () => {
    expect(customEntries([ok])).toEqual([
      {
        target: "whisper:my-model",
        engine: "whisper",
        id: "my-model",
        description: "custom, from models.example.com",
        language: "custom",
        files: [{ dest: "ggml-my model.bin", source: "https://models.example.com/x/ggml-my%20model.bin?dl=1", size: 1234, checksum: { algo: "sha1", hex: "ab".repeat(20) } }],
        size: 1234,
        custom: true,
      },
    ]);
    expect(customEntries([{ target: "piper:v", url: "http://h/v.onnx", size: 1, md5: "0".repeat(32) }])[0]!.engine).toBe("piper");
  });

  const bad = (c: Partial<CustomInstall>): BosunError => {
    try {
      customEntries([{ ...ok, sha1: undefined, ...c } as CustomInstall]);
    } catch (e) {
      expect(e).toBeInstanceOf(BosunError);
      expect((e as BosunError).exitCode).toBe(ExitCode.config);
      return e as BosunError;
    }
    throw new Error("expected customEntries to throw");
  };

  test("exactly one checksum", () => {
    expect(bad({}).message).toContain("exactly one checksum");
    expect(bad({ sha1: "a".repeat(40), md5: "b".repeat(32) }).message).toContain("exactly one checksum");
  });

  test("checksum length and hex per algorithm", () => {
    expect(bad({ sha256: "a".repeat(40) }).message).toContain("sha256 must be 64 hex");
    expect(bad({ md5: "z".repeat(32) }).message).toContain("md5 must be 32 hex");
  });

  test("bad target, URL, size or file name", () => {
    expect(bad({ sha1: "a".repeat(40), target: "kokoro:x" }).message).toContain('must be "whisper:ID" or "piper:ID"');
    expect(bad({ sha1: "a".repeat(40), target: "whisper:" }).message).toContain('must be "whisper:ID"');
    expect(bad({ sha1: "a".repeat(40), url: "ftp://h/x.bin" }).message).toContain("http");
    expect(bad({ sha1: "a".repeat(40), url: "https://h/dir/" }).message).toContain("file name");
    expect(bad({ sha1: "a".repeat(40), url: "https://h/%2e%2e" }).message).toContain("file name");
    expect(bad({ sha1: "a".repeat(40), size: 0 }).message).toContain("size");
  });

  test("the same target twice is an error naming the second item", () => {
    expect(() => customEntries([ok, ok])).toThrow("#2 (whisper:my-model): this target is defined twice");
  });
});

describe("customEntries: every target gets a file of its own", () => {
  const item = (target: string, url: string): CustomInstall => ({ target, url, size: 10, sha256: "a".repeat(64) });
  const clash = (items: CustomInstall[]): CustomInstallError => {
    try {
      customEntries(items);
    } catch (e) {
      expect(e).toBeInstanceOf(CustomInstallError);
      expect((e as CustomInstallError).exitCode).toBe(ExitCode.config);
      return e as CustomInstallError;
    }
    throw new Error("expected customEntries to throw");
  };

  test("two targets whose URLs end in the same file name: the second is refused at its url, naming both and the path", () => {
    const e = clash([item("whisper:a", "https://one.example/x/model.bin"), item("whisper:b", "https://two.example/y/model.bin?dl=1")]);
    expect({ index: e.index, key: e.key }).toEqual({ index: 1, key: "url" });
    expect(e.message).toBe('[[installs.custom]] #2 (whisper:b): installs to models/whisper/model.bin, the same file as "whisper:a" (#1)');
    expect(e.hint).toContain("a file of its own");
  });

  test("names differing only in case are one file (case-insensitive file systems)", () => {
    const e = clash([item("whisper:a", "https://h/Model.bin"), item("whisper:b", "https://h/model.bin")]);
    expect(e.message).toContain('the same file as "whisper:a" (#1) (models/whisper/Model.bin: one file where names differ only in case)');
  });

  test("a file that is another target's partial download, either way round", () => {
    expect(clash([item("whisper:a", "https://h/m.bin"), item("whisper:b", "https://h/m.bin.part")]).message).toContain('installs to models/whisper/m.bin.part, where "whisper:a" (#1) keeps its partial download');
    expect(clash([item("whisper:a", "https://h/m.bin.part"), item("whisper:b", "https://h/m.bin")]).message).toContain('its partial download models/whisper/m.bin.part would be the file of "whisper:a" (#1)');
  });

  test("a custom target on a built-in entry's file is refused, naming the built-in target", () => {
    const e = clash([item("whisper:mine", "https://h/ggml-base.en.bin")]);
    expect({ index: e.index, key: e.key }).toEqual({ index: 0, key: "url" });
    expect(e.message).toBe('[[installs.custom]] #1 (whisper:mine): installs to models/whisper/ggml-base.en.bin, the same file as the built-in "whisper:base.en"');
    expect(clash([item("piper:mine", "https://h/en_US-lessac-medium.onnx.json")]).message).toContain('the built-in "piper:en_US-lessac-medium"');
  });

  test("allowed: the same name under another engine; a target overriding its own built-in entry; a file freed by that override", () => {
    expect(customEntries([item("whisper:a", "https://h/model.bin"), item("piper:a", "https://h/model.bin")])).toHaveLength(2);
    expect(customEntries([item("whisper:base.en", "https://h/ggml-base.en.bin")])).toHaveLength(1);
    // whisper:base.en is replaced by a file elsewhere, so its usual file name is free for another target.
    expect(customEntries([item("whisper:base.en", "https://h/ggml-base-tuned.bin"), item("whisper:mine", "https://h/ggml-base.en.bin")])).toHaveLength(2);
  });
});

describe("resolveUrl", () => {
  const file: CatalogFile = { dest: "ggml-base.en.bin", source: "ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin", size: 1, checksum: { algo: "sha1", hex: "0".repeat(40) } };

  test("joins the mirror and the relative source, with or without a trailing slash", () => {
    const want = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin";
    expect(resolveUrl(file, "https://huggingface.co")).toBe(want);
    expect(resolveUrl(file, "https://huggingface.co/")).toBe(want);
    expect(resolveUrl(file, "http://127.0.0.1:8080/hf//")).toBe("http://127.0.0.1:8080/hf/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin");
  });

  test("percent-encodes non-ASCII path segments of the data", () => {
    const v = findEntry("piper:pt_PT-tugão-medium")!;
    expect(resolveUrl(v.files[0]!, "https://huggingface.co")).toBe("https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/pt/pt_PT/tug%C3%A3o/medium/pt_PT-tug%C3%A3o-medium.onnx");
  });

  test("an absolute source (custom entry) ignores the mirror", () => {
    const abs = { ...file, source: "https://example.com/a/b.bin?x=1" };
    expect(resolveUrl(abs, "https://huggingface.co")).toBe("https://example.com/a/b.bin?x=1");
  });
});

describe("filterCatalog", () => {
  const all = builtinCatalog();

  test("by engine", () => {
    const w = filterCatalog(all, { engine: "whisper" });
    expect(w.length).toBeGreaterThan(0);
    expect(w.every((e) => e.engine === "whisper")).toBe(true);
    expect(filterCatalog(all, {}).length).toBe(all.length);
  });

  test("query matches id, description or language, case-insensitively, every word", () => {
    expect(filterCatalog(all, { query: "LESSAC-medium" }).map((e) => e.target)).toEqual(["piper:en_US-lessac-medium"]);
    expect(filterCatalog(all, { query: "German" }).every((e) => e.language === "de_DE")).toBe(true);
    expect(filterCatalog(all, { query: "german" }).length).toBeGreaterThan(3);
    expect(filterCatalog(all, { query: "en_gb" }).every((e) => e.language === "en_GB")).toBe(true);
    expect(filterCatalog(all, { engine: "whisper", query: "english-only q5" }).map((e) => e.id).sort()).toEqual(["base.en-q5_1", "medium.en-q5_0", "small.en-q5_1", "tiny.en-q5_1"]);
    expect(filterCatalog(all, { engine: "piper", query: "base.en" })).toEqual([]);
  });
});

test("the JSON data loads under Deno too (import attributes)", () => {
  const root = resolve(import.meta.dir, "../..");
  const code = `const m = await import("./src/core/installs/catalog/catalog.ts"); const e = m.builtinCatalog().find((x) => x.target === "whisper:base.en"); console.log(JSON.stringify({ n: m.builtinCatalog().length, sha1: e.files[0].checksum.hex }));`;
  const r = spawnSync(resolve(root, "node_modules/.bin/deno"), ["eval", "--quiet", code], { cwd: root, encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ n: builtinCatalog().length, sha1: "137c40403d78fd54d454da0f9bd998f78703390c" });
});
