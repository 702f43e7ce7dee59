import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createHasher, inlineHasher } from "../../src/core/installs/hasher.ts";

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

  test("small downloads hash inline; inline and worker agree", async () => {
    const data = new TextEncoder().encode("hello bosun");
    const a = inlineHasher("sha256");
    const b = createHasher("sha256", 100);
    a.update(data);
    b.update(data);
    expect(await a.digest()).toBe(await b.digest());
  });
});
