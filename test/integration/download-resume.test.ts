import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { download, NATIVE_MIN_BYTES, verifyFile } from "../../src/core/installs/download/index.ts";
import { WRITEBACK_EVERY_BYTES } from "../../src/core/installs/download/writeback.ts";
import { DownloadCases } from "../helpers/download-case.ts";
import { generatedBytes, ModelServer, type ServedFile, type Switches } from "../helpers/model-server.ts";

// Resuming a kept `.part` on either side of every size threshold of the download path:
// - hashFile reads a kept `.part` 4 MiB at a time (READ_BYTES in hash.ts);
// - at NATIVE_MIN_BYTES (8 MiB) files hash on a worker thread and fresh bodies take the native path;
// - every WRITEBACK_EVERY_BYTES (64 MiB) written, a background fdatasync starts.
const READ_BYTES = 4 << 20;

let server: ModelServer;
const cases = new DownloadCases(() => server, "resume", 5000);
beforeAll(async () => {
  server = await ModelServer.start();
});
afterAll(async () => {
  await server.close();
  cases.cleanup();
});

const fresh = (size: number, switches: Switches = {}) => cases.fresh(size, switches);

/** Only the rest went over the wire, with one Range request, and the file verifies on its own. */
async function expectResumed(file: ServedFile, dest: string, kept: number, r: Awaited<ReturnType<typeof download>>) {
  expect({ resumedFrom: r.resumedFrom, received: r.received, sha: r.sha }).toEqual({ resumedFrom: kept, received: file.size - kept, sha: file.sha256 });
  const s = server.stats(file.path);
  expect({ fullBodies: s.fullBodies, ranged: s.ranged, bytesSent: s.bytesSent }).toEqual({ fullBodies: 0, ranged: [{ range: `bytes=${kept}-`, status: 206 }], bytesSent: file.size - kept });
  expect(await verifyFile(dest, file.size, { algo: "sha256", hex: file.sha256 })).toBe(true);
}

describe("resuming a kept .part", () => {
  // [file size, kept bytes]: kept on both sides of one read; files on both sides of the worker cut-over.
  const cases: Array<[number, number]> = [
    [7_000_000, 3_000_000],
    [7_000_000, 6_000_000],
    [10_000_000, 3_000_000],
    [10_000_000, READ_BYTES],
    [10_000_000, READ_BYTES + 1],
    [10_000_000, 6_000_000],
    [10_000_000, NATIVE_MIN_BYTES + 1],
    [48_000_000, 18_000_000],
  ];
  for (const [size, kept] of cases) {
    test(`${kept.toLocaleString("en")} bytes of ${size.toLocaleString("en")}: one Range request for the rest, verified`, async () => {
      const c = fresh(size);
      server.writePrefix(c.file.path, c.part, kept);
      const r = await download(c.opts());
      await expectResumed(c.file, c.dest, kept, r);
      expect(Buffer.compare(readFileSync(c.dest), generatedBytes(size, c.n))).toBe(0);
      expect(existsSync(c.part)).toBe(false);
      c.done();
    });
  }

  // Above the writeback interval: the kept part takes many reads to hash, and the rest is longer
  // than one interval, so exactly one background sync runs while the rest is written.
  for (const kept of [60_000_000, 80_000_000]) {
    test(`${kept.toLocaleString("en")} bytes of 150,000,000 (kept ${kept > WRITEBACK_EVERY_BYTES ? "above" : "below"} 64 MiB): resumed, one writeback, verified`, async () => {
      const c = fresh(150_000_000);
      server.writePrefix(c.file.path, c.part, kept);
      const r = await download(c.opts());
      await expectResumed(c.file, c.dest, kept, r);
      expect(r.writebacks).toBe(1);
      c.done();
    }, 60_000);
  }

  test("a native download of 48 MB cut after 18 MB resumes from what it wrote", async () => {
    const c = fresh(48_000_000, { dropAfterBytes: 18_000_000 });
    await download(c.opts()).then(
      () => expect.unreachable(),
      (e) => expect(e.code).toBe("network"),
    );
    const kept = statSync(c.part).size;
    expect(kept).toBeGreaterThan(NATIVE_MIN_BYTES);
    server.resetStats();
    const r = await download(c.opts());
    await expectResumed(c.file, c.dest, kept, r);
    c.done();
  });
});
