import { existsSync } from "node:fs";
import { openDatabase } from "../core/db.ts";
import type { Paths } from "../core/paths.ts";
import { SqliteSessionStore } from "../core/sessions/sqlite-store.ts";
import type { SessionAction, SessionListRequest } from "../core/control/api.ts";
import { sessionUnknown as unknown } from "../core/control/local.ts";
import type { SessionDetail, SessionInfo, SessionPage, StoreCounts } from "../core/sessions/store.ts";

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
  return (await withStore(paths, (s) => s.session(id))) ?? unknown(id);
}

/** Sessions from the store with no gateway (the store is all there is: no cache, no enrichment). */
export async function storedList(paths: Paths, req: SessionListRequest = {}): Promise<SessionPage> {
  const { fresh: _fresh, ...query } = req;
  return (await withStore(paths, (s) => s.listStored(query))) ?? { sessions: [], nextCursor: null };
}

/**
 * Steer a session with no gateway: the store is changed (a stopped session stays stopped when
 * the gateway starts, a reset context is reset, a started one is answered at the next start).
 */
export async function storedSessionAction(paths: Paths, id: string, action: SessionAction): Promise<SessionInfo> {
  const out = await withStore(paths, async (s) => {
    const found = await s.session(id, 0);
    if (!found) return null;
    if (action === "reset") await s.resetContext(found.key);
    else await s.setState(found.key, action === "stop" ? "stopped" : found.waiting > 0 ? "active" : "idle", Date.now());
    const after = await s.session(found.key, 0);
    if (!after) return null;
    const { messages: _m, waitingMessages: _w, outbox: _o, ...info } = after;
    return info;
  });
  return out ?? unknown(id);
}
