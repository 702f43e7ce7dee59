import { existsSync } from "node:fs";
import { sessionUnknown } from "../core/control/local.ts";
import { openDatabase } from "../core/db.ts";
import type { Paths } from "../core/paths.ts";
import { SqliteSessionStore } from "../core/sessions/sqlite-store.ts";
import type { SessionDetail, StoreCounts } from "../core/sessions/store.ts";

/** Run `read` on the home's session store with no gateway running; null when there is no database yet. */
function withStore<T>(paths: Paths, read: (store: SqliteSessionStore) => Promise<T>): Promise<T | null> {
  if (!existsSync(paths.db)) return Promise.resolve(null);
  const db = openDatabase(paths.db);
  return read(new SqliteSessionStore(db)).finally(() => db.close());
}

/** The stored counts (sessions by state, outbox) with no gateway: zeros before the first message. */
export async function storedCounts(paths: Paths): Promise<StoreCounts> {
  return (await withStore(paths, (s) => s.counts())) ?? { sessions: { total: 0, active: 0, errored: 0 }, outbox: { pending: 0, dead: 0 } };
}

/** One stored session with no gateway; `session_unknown` when none matches. */
export async function storedSession(paths: Paths, id: string): Promise<SessionDetail> {
  return (await withStore(paths, (s) => s.session(id))) ?? sessionUnknown(id);
}
