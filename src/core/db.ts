import { DatabaseSync } from "node:sqlite";
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import { addInstallsRevision, createInstallsTable } from "./installs/table.ts";
import { sleepSync } from "./util/process.ts";
import type { Migration } from "./util/sqlite.ts";
import { createInboxTable, indexPendingInbox, keyInboxByConversation } from "./sessions/inbox-table.ts";
import { addInboxReplyUrl, addInboxVoice, addMessageVoice, addOutboxReplyUrl, addOutboxSpeak, addSessionCounters, createMessagesTable, createOutboxTable, createSessionsTable, indexInboxArrival, slimIndexes } from "./sessions/tables.ts";

/**
 * Every schema step of the bosun database, in order: `PRAGMA user_version` counts the steps
 * applied, so a step is never moved or removed, only appended. Each feature owns its table's
 * steps; this list only decides when each runs.
 */
const MIGRATIONS: readonly Migration[] = [
  createInboxTable,
  indexPendingInbox,
  createInstallsTable,
  addInstallsRevision,
  keyInboxByConversation,
  createSessionsTable,
  createMessagesTable,
  createOutboxTable,
  indexInboxArrival,
  slimIndexes,
  addInboxReplyUrl,
  addOutboxReplyUrl,
  addSessionCounters,
  addInboxVoice,
  addMessageVoice,
  addOutboxSpeak,
];

/** Open (creating, mode 0600) the bosun database in WAL mode and apply the schema: the connection and its migrations are this module's, the tables their features'. */
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
