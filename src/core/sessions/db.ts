import { DatabaseSync } from "node:sqlite";
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";

const MIGRATIONS = [
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
];

/** Open (creating, mode 0600) the bosun database in WAL mode and apply the schema. */
export function openDatabase(path: string): DatabaseSync {
  if (path !== ":memory:" && !existsSync(path)) closeSync(openSync(path, "a", 0o600));
  if (path !== ":memory:") chmodSync(path, 0o600);
  const db = new DatabaseSync(path);
  // First: several processes (gateway, `bosun install`s) open the file at once, and switching to
  // WAL or creating tables must wait for the others rather than fail with "database is locked".
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  for (const sql of MIGRATIONS) db.exec(sql);
  return db;
}
