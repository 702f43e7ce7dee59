import { describe, expect, test } from "bun:test";
import { type SyncFn, Writeback } from "../../src/core/installs/download/writeback.ts";

/** A stand-in fdatasync whose calls wait until the test answers them. */
function heldSync() {
  const pending: Array<(err: NodeJS.ErrnoException | null) => void> = [];
  const sync: SyncFn = (_fd, done) => void pending.push(done);
  const answer = (err: NodeJS.ErrnoException | null = null) => pending.shift()!(err);
  return { sync, pending, answer };
}

const errno = (code: string) => Object.assign(new Error(code), { code });
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe("Writeback", () => {
  test("starts a sync every `every` bytes, one at a time", async () => {
    const h = heldSync();
    const wb = new Writeback(7, 0, 100, h.sync);
    wb.advance(99);
    expect(h.pending.length).toBe(0);
    wb.advance(100);
    expect(h.pending.length).toBe(1);
    wb.advance(500); // one is in flight: no second one
    expect(h.pending.length).toBe(1);
    h.answer();
    await wb.settle();
    expect(wb.count).toBe(1);
    wb.advance(199); // counted from where the last sync started (100)
    expect(h.pending.length).toBe(0);
    wb.advance(200);
    expect(h.pending.length).toBe(1);
    h.answer();
    await wb.settle();
    expect(wb.count).toBe(2);
  });

  test("a resumed file counts from its start offset", () => {
    const h = heldSync();
    const wb = new Writeback(7, 1_000, 100, h.sync);
    wb.advance(1_099);
    expect(h.pending.length).toBe(0);
    wb.advance(1_100);
    expect(h.pending.length).toBe(1);
  });

  test("settle waits for the sync in flight and throws its error; later advances start nothing", async () => {
    const h = heldSync();
    const wb = new Writeback(7, 0, 1, h.sync);
    wb.advance(10);
    let settled = false;
    const s = wb.settle().then(
      () => (settled = true),
      (e) => e,
    );
    await turns();
    expect(settled).toBe(false);
    h.answer(errno("EIO"));
    expect(await s).toMatchObject({ code: "EIO" });
    wb.advance(100);
    expect(h.pending.length).toBe(0);
    await expect(wb.settle()).rejects.toMatchObject({ code: "EIO" });
    // quiesce only waits; it never throws
    await wb.quiesce();
  });

  for (const code of ["EINVAL", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]) {
    test(`${code} (a file system that does not sync) is not an error`, async () => {
      const h = heldSync();
      const wb = new Writeback(7, 0, 1, h.sync);
      wb.advance(10);
      h.answer(errno(code));
      await wb.settle();
      expect(wb.count).toBe(0);
    });
  }

  test("a callback that comes synchronously still frees the slot", async () => {
    let calls = 0;
    const wb = new Writeback(7, 0, 1, (_fd, done) => {
      calls++;
      done(null);
    });
    wb.advance(1);
    await wb.settle();
    wb.advance(2);
    await wb.settle();
    expect(calls).toBe(2);
    expect(wb.count).toBe(2);
  });
});
