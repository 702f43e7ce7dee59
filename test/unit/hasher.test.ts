import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashFile } from "../../src/core/installs/download/hash-file.ts";
import { createHasher, inlineHasher } from "../../src/core/installs/download/stream-hasher.ts";

describe("stream hashers", () => {
  for (const algo of ["sha256", "sha1", "md5"] as const) {
    test(`${algo}: the worker hasher matches node:crypto, with given, shared and sliced chunks`, async () => {
      const ref = createHash(algo);
      const h = createHasher(algo, 64 << 20);
      const big = new Uint8Array(3 << 20).map((_, i) => (i * 31) & 0xff);
      for (let i = 0; i < 8; i++) {
        const owned = new Uint8Array(1 << 20).fill(i);
        ref.update(owned);
        h.update(owned, true); // handed over: moves uncopied
        const view = big.subarray(i * 1000, i * 1000 + 70_000); // a view: must be copied, not detached
        ref.update(view);
        h.update(view, true);
      }
      expect(big.byteLength).toBe(3 << 20); // the shared buffer was not transferred away
      expect(await h.digest()).toBe(ref.digest("hex"));
      h.dispose();
      h.dispose();
    });
  }

  test("a Buffer that is not given stays the caller's: reused for the next chunk, every byte still counts", async () => {
    // Buffer#slice is a view, not a copy: a hasher that sliced and transferred would empty it.
    const ref = createHash("sha256");
    const h = createHasher("sha256", 64 << 20);
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let i = 0; i < 6; i++) {
      buf.fill(i + 1);
      ref.update(buf);
      h.update(buf.subarray(0, buf.length));
      expect(buf.byteLength).toBe(1 << 20);
      expect(buf[0]).toBe(i + 1);
    }
    expect(await h.digest()).toBe(ref.digest("hex"));
    h.dispose();
  });

  test("hashFile feeds a worker hasher every byte of a file larger than one read (4 MiB)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-hash-"));
    try {
      const data = new Uint8Array(10_000_000).map((_, i) => (i * 7 + (i >> 12)) & 0xff);
      writeFileSync(join(dir, "f"), data);
      const h = createHasher("sha256", 64 << 20);
      expect(await hashFile(join(dir, "f"), h, data.byteLength)).toBe(data.byteLength);
      expect(await h.digest()).toBe(createHash("sha256").update(data).digest("hex"));
      h.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("small downloads hash inline; inline and worker agree", async () => {
    const data = new TextEncoder().encode("hello bosun");
    const a = inlineHasher("sha256");
    const b = createHasher("sha256", 100);
    a.update(data);
    b.update(data);
    expect(await a.digest()).toBe(await b.digest());
  });
});
