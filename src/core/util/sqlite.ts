import type { DatabaseSync } from "node:sqlite";

/** One schema step: SQL, or a function for a step SQL cannot say conditionally. */
export type Migration = string | ((db: DatabaseSync) => void);

/** A step that adds a column unless the table has it (databases from before schema versions may have it). */
export function addColumn(table: string, column: string, decl: string): Migration {
  return (db) => {
    const cols = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${decl}`);
  };
}
