import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/core/db.ts";
import { checkpointInBackground } from "../../src/core/db-checkpoint.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { waitUntil } from "../helpers/wait.ts";

// The gateway's commits never checkpoint the write-ahead log (a copy and an fsync inside a turn):
// a worker with its own connection does it, every second.
test("commits leave the log alone; the background thread copies it into the database file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bosun-ckpt-"));
  try {
    const path = join(dir, "bosun.db");
    const db = openDatabase(path);
    const clock = new FakeClock();
    const errors: string[] = [];
    const stop = checkpointInBackground(db, path, clock, (m) => errors.push(m));
    db.exec("CREATE TABLE blobs (b BLOB)");
    const before = statSync(path).size;
    const insert = db.prepare("INSERT INTO blobs VALUES (?)");
    // ~3,000 pages: SQLite's own checkpoint would have run inside these commits three times.
    for (let i = 0; i < 3000; i++) insert.run(new Uint8Array(4000).fill(i & 0xff));
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(3000 * 4096);
    await clock.advance(1000);
    await waitUntil(() => statSync(path).size > 3000 * 4000, "the database file to receive the pages");
    await stop();
    expect(errors).toEqual([]);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
