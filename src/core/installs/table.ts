import { addColumn, type Migration } from "../util/sqlite.ts";

// The installs table's schema steps. The database module applies them, in the place its
// migration list gives each (schema versions are numbered across every feature's tables).

/** The table the install store reads and writes: one row per target. */
export const createInstallsTable: Migration = `CREATE TABLE IF NOT EXISTS installs (
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
   )`;

/**
 * A revision per install row, bumped by every write, so a status computed from a read is only
 * saved when no other process has written that row since (compare-and-set).
 */
export const addInstallsRevision: Migration = addColumn("installs", "rev", "INTEGER NOT NULL DEFAULT 0");
