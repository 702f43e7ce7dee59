import { describe, expect, test } from "bun:test";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/core/db.ts";
import { spawnTogether } from "../helpers/proc.ts";

const dir = () => mkdtempSync(join(tmpdir(), "bosun-db-"));

describe("openDatabase", () => {
  test("a new file: mode 0600, WAL, the schema applied once", () => {
    const path = join(dir(), "bosun.db");
    const db = openDatabase(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables).toEqual(["inbox", "installs", "messages", "outbox", "sessions", "sqlite_sequence"]);
    const version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
    expect(version).toBeGreaterThan(0);
    db.close();
    // Opening again changes nothing.
    const again = openDatabase(path);
    expect((again.prepare("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(version);
    again.close();
  });

  test("a database from before schema versions (tables, user_version 0) is brought up to date, keeping its rows", () => {
    const path = join(dir(), "bosun.db");
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE installs (target TEXT PRIMARY KEY, state TEXT NOT NULL, progress INTEGER NOT NULL DEFAULT 0,
      downloaded INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, stage TEXT, error TEXT, owner_pid INTEGER,
      verified TEXT, updated_at TEXT NOT NULL)`);
    old.exec(`INSERT INTO installs (target, state, updated_at) VALUES ('whisper:base.en', 'installed', 'then')`);
    old.close();
    const db = openDatabase(path);
    const cols = (db.prepare("PRAGMA table_info(installs)").all() as Array<{ name: string }>).map((r) => r.name);
    expect(cols).toContain("rev");
    expect(db.prepare("SELECT target, state, rev FROM installs").all()).toEqual([{ target: "whisper:base.en", state: "installed", rev: 0 }]);
    expect((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'inbox'").get() as { n: number }).n).toBe(1);
    db.close();
    // A schema that is current but unversioned (user_version reset) is not broken by re-applying.
    const again = new DatabaseSync(path);
    again.exec("PRAGMA user_version = 0");
    again.close();
    openDatabase(path).close();
  });

  test("an inbox keyed by (adapter, id) is migrated to (adapter, conversation, id), keeping every row, with the index of unanswered messages", () => {
    const path = join(dir(), "bosun.db");
    const old = new DatabaseSync(path);
    // The schema as the previous release left it (user_version 3).
    old.exec(`CREATE TABLE inbox (adapter TEXT NOT NULL, message_id TEXT NOT NULL, conversation TEXT NOT NULL, thread TEXT,
      user TEXT NOT NULL, text TEXT NOT NULL, received_at TEXT NOT NULL, reply TEXT, reply_error TEXT, replied_at TEXT,
      PRIMARY KEY (adapter, message_id))`);
    old.exec(`CREATE INDEX inbox_pending ON inbox (adapter) WHERE replied_at IS NULL`);
    old.exec(`CREATE TABLE installs (target TEXT PRIMARY KEY, state TEXT NOT NULL, progress INTEGER NOT NULL DEFAULT 0,
      downloaded INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, stage TEXT, error TEXT, owner_pid INTEGER,
      verified TEXT, updated_at TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0)`);
    old.exec(`INSERT INTO inbox VALUES ('hooks', 'x', 'convA', NULL, 'alice', 'hi', 't0', 'echo: hi', NULL, 't1'), ('tg', '5:9', '5', NULL, 'bob', 'yo', 't2', NULL, NULL, NULL)`);
    old.exec("PRAGMA user_version = 3");
    old.close();

    const db = openDatabase(path);
    expect(db.prepare("SELECT adapter, conversation, message_id, reply FROM inbox ORDER BY adapter").all()).toEqual([
      { adapter: "hooks", conversation: "convA", message_id: "x", reply: "echo: hi" },
      { adapter: "tg", conversation: "5", message_id: "5:9", reply: null },
    ]);
    const key = (db.prepare("PRAGMA index_info(sqlite_autoindex_inbox_1)").all() as Array<{ name: string }>).map((r) => r.name);
    expect(key).toEqual(["adapter", "conversation", "message_id"]);
    // Unanswered messages are found by the index recovery reads (it replaced the per-adapter one).
    expect((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'inbox_unanswered'").get() as { n: number }).n).toBe(1);
    // The same id in another conversation is a message of its own now.
    db.prepare(`INSERT INTO inbox (adapter, conversation, message_id, user, text, received_at) VALUES ('hooks', 'convB', 'x', 'bob', 'other', 't3')`).run();
    expect((db.prepare("SELECT count(*) AS n FROM inbox WHERE message_id = 'x'").get() as { n: number }).n).toBe(2);
    db.close();
  });

  test("8 processes opening one new database at once all succeed (no 'database is locked')", async () => {
    const d = dir();
    const path = join(d, "bosun.db");
    const script = join(d, "open.ts");
    // Each child loads everything, says "ready", then opens on "go": the opens start together.
    writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(join(import.meta.dir, "../../src/core/db.ts"))};\n` +
        `console.log("ready");\n` +
        `for await (const _ of console) break;\n` +
        `const db = openDatabase(${JSON.stringify(path)});\n` +
        `db.prepare("INSERT INTO installs (target, state, updated_at) VALUES (?, 'missing', 'now')").run("t" + process.pid);\n` +
        `console.log("ok");\n`,
    );
    const children = await spawnTogether(script, 8);
    const runs = await Promise.all(children.map(async (x) => ({ code: await x.exited, out: (await x.lines(0)).join("\n") })));
    for (const r of runs) expect(r).toEqual({ code: 0, out: "ok" });
    const db = new DatabaseSync(path);
    expect((db.prepare("SELECT count(*) AS n FROM installs").get() as { n: number }).n).toBe(8);
    db.close();
  });
});
