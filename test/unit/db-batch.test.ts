import { expect, test } from "bun:test";
import { openDatabase } from "../../src/core/db.ts";
import { WriteBatcher } from "../../src/core/db-batch.ts";

test("writes of one tick share a commit; a failing write fails alone and the others are kept", async () => {
  const db = openDatabase(":memory:");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  const b = new WriteBatcher(db);
  const insert = (k: string) => b.write(() => db.prepare("INSERT INTO t VALUES (?)").run(k).changes);
  const a = insert("a");
  const dup = insert("a"); // a constraint failure inside the group
  const c = insert("c");
  expect(await a).toBe(1);
  await expect(dup).rejects.toThrow(/UNIQUE/);
  expect(await c).toBe(1);
  expect((db.prepare("SELECT k FROM t ORDER BY k").all() as Array<{ k: string }>).map((r) => r.k)).toEqual(["a", "c"]);
  // Nothing is visible before the group's commit: the write has not run when write() returns.
  const later = insert("d");
  expect((db.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n).toBe(2);
  await later;
  expect((db.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n).toBe(3);
});
