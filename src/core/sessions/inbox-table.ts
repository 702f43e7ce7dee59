import type { Migration } from "../util/sqlite.ts";

// The inbox table's schema steps. The database module applies them, in the place its
// migration list gives each (schema versions are numbered across every feature's tables).

/** The first inbox, keyed by (adapter, message id). */
export const createInboxTable: Migration = `CREATE TABLE IF NOT EXISTS inbox (
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
   )`;

/** The messages still waiting for a reply, per adapter. */
export const indexPendingInbox: Migration = `CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (adapter) WHERE replied_at IS NULL`;

/**
 * Platform message ids are only unique within a conversation (a webhook client picks its own):
 * de-duplicate on (adapter, conversation, id), so one conversation's id never answers another's.
 */
export const keyInboxByConversation: Migration = `CREATE TABLE inbox_v2 (
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
   CREATE INDEX inbox_pending ON inbox (adapter) WHERE replied_at IS NULL`;
