import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { download, DownloadError, verifyFile, type DownloadResult } from "../../src/core/installs/download/index.ts";
import type { DownloadProgress } from "../../src/core/installs/download/index.ts";
import { DownloadCases } from "../helpers/download-case.ts";
import { ModelServer, type Switches } from "../helpers/model-server.ts";

let server: ModelServer;
const cases = new DownloadCases(() => server, "models", 0);
const tempDir = () => cases.tempDir();
/** A fresh file on the server (unique path, so counters are per test) and a fresh destination. */
const fresh = (size: number, switches: Switches = {}) => cases.fresh(size, switches);

beforeAll(async () => {
  server = await ModelServer.start();
});
afterAll(async () => {
  await server.close();
  cases.cleanup();
});

/** The DownloadError a failing call rejects with (fails the test if it resolves or throws something else). */
async function failure(p: Promise<DownloadResult>): Promise<DownloadError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DownloadError);
  return err as DownloadError;
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe("download", () => {
  test("a fresh download verifies, renames, and leaves no .part", async () => {
    const c = fresh(1_500_000);
    const r = await download(c.opts());
    expect(r).toEqual({ bytes: c.file.size, resumedFrom: 0, received: c.file.size, sha: c.file.sha256, via: "stream", writebacks: 0 });
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
    expect(existsSync(c.part)).toBe(false);
    expect(mode(c.dest)).toBe(0o600);
    expect(mode(join(c.dest, ".."))).toBe(0o700);
    const s = server.stats(c.file.path);
    expect(s.fullBodies).toBe(1);
    expect(s.ranged).toEqual([]);
  });

  test.each(["sha1", "md5"] as const)("verifies %s checksums", async (algo) => {
    const c = fresh(300_000);
    const r = await download(c.opts({ checksum: { algo, hex: c.file[algo] } }));
    expect(r.sha).toBe(c.file[algo]);
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
  });

  test("a dropped connection keeps the .part; the next call resumes with Range and verifies the whole file", async () => {
    const size = 2_000_000;
    const c = fresh(size, { dropAfterBytes: 800_000 });
    const err = await failure(download(c.opts()));
    expect(err.code).toBe("network");
    expect(err.partKept).toBe(true);
    expect(existsSync(c.dest)).toBe(false);
    const kept = statSync(c.part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(800_000);
    expect(mode(c.part)).toBe(0o600);

    const progress: DownloadProgress[] = [];
    const r = await download(c.opts({ onProgress: (p) => progress.push(p) }));
    expect(r.resumedFrom).toBe(kept);
    expect(r.received).toBe(size - kept);
    expect(r.sha).toBe(c.file.sha256);
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
    expect(existsSync(c.part)).toBe(false);
    const s = server.stats(c.file.path);
    expect(s.fullBodies).toBe(1);
    expect(s.ranged).toEqual([{ range: `bytes=${kept}-`, status: 206 }]);
    expect(s.drops).toBe(1);
    expect(progress.at(-1)).toEqual({ bytes: size, total: size, received: size - kept, resumed: true });
  });

  test("a resumed download whose kept prefix is wrong fails the checksum and discards the .part", async () => {
    const c = fresh(500_000);
    mkdirSync(join(c.dest, ".."), { recursive: true });
    const junk = Buffer.from(c.bytes.subarray(0, 200_000));
    junk[1234] = junk[1234]! ^ 0xff;
    writeFileSync(c.part, junk);
    const err = await failure(download(c.opts()));
    expect(err.code).toBe("checksum_mismatch");
    expect(server.stats(c.file.path).ranged).toEqual([{ range: "bytes=200000-", status: 206 }]);
    expect(existsSync(c.part)).toBe(false);
    expect(existsSync(c.dest)).toBe(false);
  });

  test("a connection cut on every response: each call resumes where the last one stopped", async () => {
    const c = fresh(1_500_000, { dropAfterBytes: 300_000, dropTimes: Infinity });
    const kept: number[] = [];
    for (let call = 0; call < 10 && !existsSync(c.dest); call++) {
      try {
        await download(c.opts());
      } catch (err) {
        expect((err as DownloadError).code).toBe("network");
        kept.push(statSync(c.part).size);
      }
    }
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
    expect(kept.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < kept.length; i++) expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
    const s = server.stats(c.file.path);
    expect(s.fullBodies).toBe(1);
    expect(s.ranged.map((r) => r.range)).toEqual(kept.map((n) => `bytes=${n}-`));
  });

  test("a server that ignores Range: the download restarts from zero and still verifies", async () => {
    const c = fresh(1_000_000, { dropAfterBytes: 400_000 });
    expect((await failure(download(c.opts()))).code).toBe("network");
    const kept = statSync(c.part).size;
    server.configure(c.file.path, { ranges: false });
    const r = await download(c.opts());
    expect(r.resumedFrom).toBe(0);
    expect(r.received).toBe(c.file.size);
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
    const s = server.stats(c.file.path);
    expect(s.fullBodies).toBe(2);
    expect(s.ranged).toEqual([{ range: `bytes=${kept}-`, status: 200 }]);
  });

  test("a server that ignores Range overwrites a junk .part", async () => {
    const c = fresh(300_000, { ranges: false });
    mkdirSync(join(c.dest, ".."), { recursive: true });
    writeFileSync(c.part, Buffer.alloc(250_000, 7));
    await download(c.opts());
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
  });

  test("ranges capped by the server: one call asks again until the file is complete", async () => {
    const c = fresh(1_000_000, { dropAfterBytes: 300_000, maxRangeBytes: 200_000 });
    expect((await failure(download(c.opts()))).code).toBe("network");
    const kept = statSync(c.part).size;
    await download(c.opts());
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
    const ranged = server.stats(c.file.path).ranged;
    expect(ranged.map((r) => r.status)).toEqual(ranged.map(() => 206));
    expect(ranged.length).toBe(Math.ceil((c.file.size - kept) / 200_000));
    expect(ranged[0]!.range).toBe(`bytes=${kept}-`);
  });

  test("a complete .part gets a 416 for the bytes after its end and is just verified", async () => {
    const c = fresh(400_000);
    mkdirSync(join(c.dest, ".."), { recursive: true });
    writeFileSync(c.part, c.bytes);
    const r = await download(c.opts());
    expect(r).toEqual({ bytes: c.file.size, resumedFrom: c.file.size, received: 0, sha: c.file.sha256, via: "stream", writebacks: 0 });
    const s = server.stats(c.file.path);
    expect(s.ranged).toEqual([{ range: `bytes=${c.file.size}-`, status: 416 }]);
    expect(s.bytesSent).toBe(0);
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
    expect(existsSync(c.part)).toBe(false);
    expect(mode(c.dest)).toBe(0o600);
  });

  test("a complete-length .part with wrong content is discarded as a checksum mismatch", async () => {
    const c = fresh(100_000);
    mkdirSync(join(c.dest, ".."), { recursive: true });
    writeFileSync(c.part, Buffer.alloc(100_000, 1));
    expect((await failure(download(c.opts()))).code).toBe("checksum_mismatch");
    expect(existsSync(c.part)).toBe(false);
    expect(existsSync(c.dest)).toBe(false);
  });

  test("a .part longer than the file is discarded and the download starts from zero", async () => {
    const c = fresh(100_000);
    mkdirSync(join(c.dest, ".."), { recursive: true });
    writeFileSync(c.part, Buffer.alloc(150_000, 1));
    await download(c.opts());
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
    expect(server.stats(c.file.path)).toMatchObject({ fullBodies: 1, ranged: [] });
  });

  test("corrupted content: checksum_mismatch, and neither dest nor .part is left", async () => {
    const c = fresh(700_000, { corrupt: true });
    const err = await failure(download(c.opts()));
    expect(err.code).toBe("checksum_mismatch");
    expect(err.partKept).toBe(false);
    expect(err.message).toContain(c.file.sha256);
    expect(existsSync(c.dest)).toBe(false);
    expect(existsSync(c.part)).toBe(false);
  });

  test("404: http error with the status, and a message without credentials or query", async () => {
    const c = fresh(1_000);
    const url = `http://bosun:hunter2secret@127.0.0.1:${new URL(server.url).port}/models/missing.bin?token=sekrit123`;
    const err = await failure(download(c.opts({ url })));
    expect(err.code).toBe("http");
    expect(err.status).toBe(404);
    expect(err.message).toBe(`not found at http://127.0.0.1:${new URL(server.url).port}/models/missing.bin`);
    expect(String(err.stack)).not.toContain("hunter2secret");
    expect(String(err.stack)).not.toContain("sekrit123");
    expect(existsSync(c.part)).toBe(false);
    expect(server.stats("/models/missing.bin").requests).toBe(1);
  });

  test("a trickle slower than idleTimeoutMs: idle_timeout, .part kept", async () => {
    const c = fresh(100_000, { trickle: { bytes: 1_000 } });
    const t0 = performance.now();
    const err = await failure(download(c.opts({ idleTimeoutMs: 300 })));
    const took = performance.now() - t0;
    expect(err.code).toBe("idle_timeout");
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3_000);
    expect(statSync(c.part).size).toBe(1_000);
    expect(existsSync(c.dest)).toBe(false);

    server.configure(c.file.path, { trickle: false });
    const r = await download(c.opts({ idleTimeoutMs: 300 }));
    expect(r.resumedFrom).toBe(1_000);
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
  });

  test("headers that never come: connect_timeout", async () => {
    const c = fresh(10_000, { stallHeadersMs: Infinity });
    const t0 = performance.now();
    const err = await failure(download(c.opts({ connectTimeoutMs: 300 })));
    const took = performance.now() - t0;
    expect(err.code).toBe("connect_timeout");
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3_000);
    expect(existsSync(c.dest)).toBe(false);
  });

  test("abort mid-body rejects promptly with aborted, keeps the .part, and a later call resumes", async () => {
    const c = fresh(2_000_000, { throttleBytesPerSec: 400_000 });
    const ctrl = new AbortController();
    let started!: () => void;
    const midway = new Promise<void>((r) => (started = r));
    const p = download(c.opts({ signal: ctrl.signal, onProgress: (pr) => pr.bytes >= 100_000 && started() }));
    await midway;
    const t0 = performance.now();
    ctrl.abort();
    const err = await failure(p);
    expect(err.code).toBe("aborted");
    expect(performance.now() - t0).toBeLessThan(500);
    const kept = statSync(c.part).size;
    expect(kept).toBeGreaterThanOrEqual(100_000);
    expect(kept).toBeLessThan(c.file.size);

    server.configure(c.file.path, { throttleBytesPerSec: undefined });
    const r = await download(c.opts());
    expect(r.resumedFrom).toBe(kept);
    expect(readFileSync(c.dest).equals(c.bytes)).toBe(true);
  });

  test("an already-aborted signal does nothing", async () => {
    const c = fresh(10_000);
    const ctrl = new AbortController();
    ctrl.abort();
    expect((await failure(download(c.opts({ signal: ctrl.signal })))).code).toBe("aborted");
    expect(server.stats(c.file.path).requests).toBe(0);
  });

  test("a declared body longer than size: size_mismatch before streaming", async () => {
    const c = fresh(100_000);
    const err = await failure(download(c.opts({ size: 90_000 })));
    expect(err.code).toBe("size_mismatch");
    expect(existsSync(c.part)).toBe(false);
    expect(existsSync(c.dest)).toBe(false);
  });

  test("a chunked body that runs past size: stopped with size_mismatch, nothing left on disk", async () => {
    const c = fresh(32 << 20, { chunked: true });
    const err = await failure(download(c.opts({ size: 600_000 })));
    expect(err.code).toBe("size_mismatch");
    expect(server.stats(c.file.path).bytesSent).toBeLessThan(c.file.size);
    expect(existsSync(c.part)).toBe(false);
    expect(existsSync(c.dest)).toBe(false);
  });

  test("a chunked body that ends short is resumable; the server's 416 then proves the size is wrong", async () => {
    const c = fresh(90_000, { chunked: true });
    const first = await failure(download(c.opts({ size: 100_000 })));
    expect(first.code).toBe("network");
    expect(statSync(c.part).size).toBe(90_000);
    const second = await failure(download(c.opts({ size: 100_000 })));
    expect(second.code).toBe("size_mismatch");
    expect(server.stats(c.file.path).ranged).toEqual([{ range: "bytes=90000-", status: 416 }]);
    expect(existsSync(c.part)).toBe(false);
  });

  test("progress is throttled, monotonic, and ends at the full size", async () => {
    const c = fresh(600_000, { throttleBytesPerSec: 1_200_000 });
    const seen: DownloadProgress[] = [];
    const t0 = performance.now();
    await download(c.opts({ onProgress: (p) => seen.push(p) }));
    const took = performance.now() - t0;
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(took / 100) + 2);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.bytes).toBeGreaterThanOrEqual(seen[i - 1]!.bytes);
      expect(seen[i]!.received).toBeGreaterThanOrEqual(seen[i - 1]!.received);
    }
    expect(seen.every((p) => p.total === c.file.size && p.resumed === false)).toBe(true);
    expect(seen.at(-1)).toEqual({ bytes: c.file.size, total: c.file.size, received: c.file.size, resumed: false });
  });

  test("a refused connection is a network error that names no credentials", async () => {
    const c = fresh(1_000);
    const closed = await ModelServer.start();
    const port = new URL(closed.url).port;
    await closed.close();
    const err = await failure(download(c.opts({ url: `http://bosun:hunter2secret@127.0.0.1:${port}/x.bin?token=sekrit123` })));
    expect(err.code).toBe("network");
    expect(err.cause).toBeUndefined();
    for (const text of [err.message, String(err.stack), JSON.stringify(err)]) {
      expect(text).not.toContain("hunter2secret");
      expect(text).not.toContain("sekrit123");
    }
  });

  test("a 503 is an http error that keeps the .part for later", async () => {
    const c = fresh(500_000, { dropAfterBytes: 300_000 });
    expect((await failure(download(c.opts()))).code).toBe("network");
    const kept = statSync(c.part).size;
    server.configure(c.file.path, { failStatus: 503 });
    const err = await failure(download(c.opts()));
    expect(err.code).toBe("http");
    expect(err.status).toBe(503);
    expect(err.message).toBe(`HTTP 503 from ${c.file.url}`);
    expect(err.partKept).toBe(true);
    expect(statSync(c.part).size).toBe(kept);
  });

  test("a destination that cannot be created is a disk error", async () => {
    const c = fresh(1_000);
    const blocker = join(tempDir(), "a-file");
    writeFileSync(blocker, "x");
    const err = await failure(download(c.opts({ dest: join(blocker, "sub", "model.bin") })));
    expect(err.code).toBe("disk");
    expect(server.stats(c.file.path).requests).toBe(0);
  });

  test("a non-http URL is refused without touching the network", async () => {
    const c = fresh(1_000);
    const err = await failure(download(c.opts({ url: "file:///etc/passwd" })));
    expect(err.code).toBe("http");
    expect(err.status).toBeUndefined();
  });
});

describe("verifyFile", () => {
  test("true for the right bytes; false for missing, truncated, altered, a directory, or another digest", async () => {
    const c = fresh(250_000);
    const dir = join(c.dest, "..");
    mkdirSync(dir, { recursive: true });
    const sum = { algo: "sha256", hex: c.file.sha256 } as const;
    writeFileSync(c.dest, c.bytes);
    expect(await verifyFile(c.dest, c.file.size, sum)).toBe(true);
    expect(await verifyFile(c.dest, c.file.size, { algo: "md5", hex: c.file.md5 })).toBe(true);
    expect(await verifyFile(c.dest, c.file.size, { algo: "sha1", hex: c.file.sha1.toUpperCase() })).toBe(true);
    expect(await verifyFile(join(dir, "missing.bin"), c.file.size, sum)).toBe(false);
    expect(await verifyFile(dir, c.file.size, sum)).toBe(false);
    expect(await verifyFile(c.dest, c.file.size, { algo: "sha256", hex: c.file.md5 })).toBe(false);
    writeFileSync(c.dest, c.bytes.subarray(0, 200_000));
    expect(await verifyFile(c.dest, c.file.size, sum)).toBe(false);
    const altered = Buffer.from(c.bytes);
    altered[249_999] = altered[249_999]! ^ 1;
    writeFileSync(c.dest, altered);
    expect(await verifyFile(c.dest, c.file.size, sum)).toBe(false);
  });
});
