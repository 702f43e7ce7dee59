import { DatabaseSync } from "node:sqlite";
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import { sleepSync } from "../util/process.ts";

/** One schema step; each runs once per database, in order (`PRAGMA user_version` counts them). */
type Migration = string | ((db: DatabaseSync) => void);

const MIGRATIONS: Migration[] = [
  `CREATE TABLE IF NOT EXISTS inbox (
     adapter TEXT NOT NULL,
     message_id TEXT NOT NULL,
     conversation TEXT NOT NULL,
     thread TEXT,
     user TEXT NOT NULL,
     text TEXT NOT NULL,
     received_at TEXT NOT NULL,
     reply TEXT,
     reply_error TEXT,
     replied_at TEXT,
     PRIMARY KEY (adapter, message_id)
   )`,
  `CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (adapter) WHERE replied_at IS NULL`,
  `CREATE TABLE IF NOT EXISTS installs (
     target TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     progress INTEGER NOT NULL DEFAULT 0,
     downloaded INTEGER NOT NULL DEFAULT 0,
     total INTEGER NOT NULL DEFAULT 0,
     stage TEXT,
     error TEXT,
     owner_pid INTEGER,
     verified TEXT,
     updated_at TEXT NOT NULL
   )`,
  // A revision per install row, bumped by every write, so a status computed from a read is only
  // saved when no other process has written that row since (compare-and-set).
  addColumn("installs", "rev", "INTEGER NOT NULL DEFAULT 0"),
  // Platform message ids are only unique within a conversation (a webhook client picks its own):
  // de-duplicate on (adapter, conversation, id), so one conversation's id never answers another's.
  `CREATE TABLE inbox_v2 (
     adapter TEXT NOT NULL,
     conversation TEXT NOT NULL,
     message_id TEXT NOT NULL,
     thread TEXT,
     user TEXT NOT NULL,
     text TEXT NOT NULL,
     received_at TEXT NOT NULL,
     reply TEXT,
     reply_error TEXT,
     replied_at TEXT,
     PRIMARY KEY (adapter, conversation, message_id)
   );
   INSERT INTO inbox_v2 (adapter, conversation, message_id, thread, user, text, received_at, reply, reply_error, replied_at)
     SELECT adapter, conversation, message_id, thread, user, text, received_at, reply, reply_error, replied_at FROM inbox;
   DROP TABLE inbox;
   ALTER TABLE inbox_v2 RENAME TO inbox;
   CREATE INDEX inbox_pending ON inbox (adapter) WHERE replied_at IS NULL`,
];

/** Open (creating, mode 0600) the bosun database in WAL mode and apply the schema. */
export function openDatabase(path: string): DatabaseSync {
  if (path !== ":memory:" && !existsSync(path)) closeSync(openSync(path, "a", 0o600));
  if (path !== ":memory:") chmodSync(path, 0o600);
  const db = new DatabaseSync(path);
  // Several processes (gateway, `bosun install`s) open the file at once. Waits on their locks
  // are bounded by busy_timeout; set it first.
  db.exec("PRAGMA busy_timeout = 5000");
  // WAL is a property of the file, so only the first opener switches. SQLite does not call the
  // busy handler for that switch (it would risk a deadlock), so a busy answer is retried here.
  const journalMode = () => (db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode;
  if (path !== ":memory:" && journalMode() !== "wal") retryBusy(() => db.exec("PRAGMA journal_mode = WAL"));
  db.exec("PRAGMA synchronous = NORMAL");
  migrate(db);
  return db;
}

/**
 * Apply the migrations not yet applied, once, under a write lock: openers that find the schema
 * current write nothing (a write at every open would make concurrent openers queue).
 */
function migrate(db: DatabaseSync): void {
  const version = () => (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version() >= MIGRATIONS.length) return;
  retryBusy(() => db.exec("BEGIN IMMEDIATE"));
  try {
    for (let v = version(); v < MIGRATIONS.length; v++) {
      const m = MIGRATIONS[v]!;
      if (typeof m === "string") db.exec(m);
      else m(db);
    }
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

/** Add a column unless the table has it (databases from before schema versions may have it). */
function addColumn(table: string, column: string, decl: string): Migration {
  return (db) => {
    const cols = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${decl}`);
  };
}

const BUSY_RETRY_MS = 5_000;

/** Run `fn`, retrying for a while when SQLite answers busy/locked where no busy handler runs. */
function retryBusy<T>(fn: () => T): T {
  const deadline = Date.now() + BUSY_RETRY_MS;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      sleepSync(5 + Math.floor(Math.random() * 20));
    }
  }
}

function isBusy(err: unknown): boolean {
  const e = err as { errcode?: number; code?: string; message?: string };
  // SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended codes included.
  if (typeof e?.errcode === "number") return (e.errcode & 0xff) === 5 || (e.errcode & 0xff) === 6;
  return /database is locked|database table is locked|SQLITE_BUSY/i.test(String(e?.message ?? ""));
}
