import { addColumn, type Migration } from "../util/sqlite.ts";

// The session store's tables (besides the inbox, inbox-table.ts). The database module applies
// these steps in the place its migration list gives each. Times are epoch milliseconds.

/** One row per conversation: its metadata and running totals (semantics §4). */
export const createSessionsTable: Migration = `CREATE TABLE IF NOT EXISTS sessions (
     id TEXT PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     adapter TEXT NOT NULL,
     conversation TEXT NOT NULL,
     thread TEXT,
     title TEXT,
     state TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_activity_at INTEGER NOT NULL,
     message_count INTEGER NOT NULL DEFAULT 0,
     tokens_in INTEGER NOT NULL DEFAULT 0,
     tokens_out INTEGER NOT NULL DEFAULT 0,
     last_error_type TEXT,
     last_error_at INTEGER,
     context_from INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX IF NOT EXISTS sessions_state ON sessions (state);
   CREATE INDEX IF NOT EXISTS sessions_activity ON sessions (last_activity_at)`;

/**
 * The message log. A user message and the reply to it are written together once the reply
 * exists, with the turn's tool calls between them (role 'tool', content the step as JSON);
 * in_context is 0 for what never goes back into a prompt (commands, failed turns, tool rows).
 */
export const createMessagesTable: Migration = `CREATE TABLE IF NOT EXISTS messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     inbound_id TEXT NOT NULL,
     model TEXT,
     error_type TEXT,
     in_context INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX IF NOT EXISTS messages_session ON messages (session_id, seq)`;

/** One row per reply to deliver: pending until its channel took it, dead past the bound. */
export const createOutboxTable: Migration = `CREATE TABLE IF NOT EXISTS outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL,
     adapter TEXT NOT NULL,
     conversation TEXT NOT NULL,
     thread TEXT,
     reply_to TEXT NOT NULL,
     text TEXT NOT NULL,
     error TEXT,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     last_error TEXT,
     created_at INTEGER NOT NULL,
     sent_at INTEGER
   );
   CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (adapter, id) WHERE state = 'pending';
   CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state);
   CREATE INDEX IF NOT EXISTS outbox_session ON outbox (session_id, id)`;

/** Unanswered inbound messages in arrival order, for recovery at start (the old index was per adapter only). */
export const indexInboxArrival: Migration = `CREATE INDEX IF NOT EXISTS inbox_unanswered ON inbox (received_at) WHERE replied_at IS NULL`;

/**
 * Fewer index pages written per message: the per-adapter pending index of the first inbox is
 * covered by inbox_unanswered, and the outbox's state index by partial indexes of the two states
 * that are counted (sent rows, nearly all of them, are in neither).
 */
export const slimIndexes: Migration = `DROP INDEX IF EXISTS inbox_pending;
   DROP INDEX IF EXISTS outbox_state;
   CREATE INDEX IF NOT EXISTS outbox_dead ON outbox (id) WHERE state = 'dead'`;

/** A webhook's callback_url, kept with the message and its reply (a reply after a restart still goes there). */
export const addInboxReplyUrl: Migration = addColumn("inbox", "reply_url", "TEXT");
export const addOutboxReplyUrl: Migration = addColumn("outbox", "reply_url", "TEXT");

/**
 * What each session owes, kept with it (the listing reads one row per session, never a count over
 * the inbox or the outbox): messages waiting for a turn, replies waiting for delivery, replies given up on.
 */
export const addSessionCounters: Migration = (db) => {
  const have = new Set((db.prepare("PRAGMA table_info(sessions)").all() as Array<{ name: string }>).map((c) => c.name));
  for (const col of ["waiting", "pending_out", "dead_out"]) if (!have.has(col)) db.exec(`ALTER TABLE sessions ADD COLUMN ${col} INTEGER NOT NULL DEFAULT 0`);
  db.exec(`UPDATE sessions SET
     waiting = (SELECT COUNT(*) FROM inbox WHERE inbox.replied_at IS NULL AND inbox.adapter = sessions.adapter AND inbox.conversation = sessions.conversation AND COALESCE(inbox.thread, '') = COALESCE(sessions.thread, '')),
     pending_out = (SELECT COUNT(*) FROM outbox WHERE outbox.session_id = sessions.id AND outbox.state = 'pending'),
     dead_out = (SELECT COUNT(*) FROM outbox WHERE outbox.session_id = sessions.id AND outbox.state = 'dead')`);
  db.exec(`CREATE INDEX IF NOT EXISTS sessions_adapter_activity ON sessions (adapter, last_activity_at)`);
};

/**
 * A voice message's reference (its VoiceRef as JSON), kept with the message: one accepted before
 * a crash is fetched and transcribed after the restart. NULL for text messages.
 */
export const addInboxVoice: Migration = addColumn("inbox", "voice", "TEXT");
/** 1 on a user message that was a voice note (its content is the transcription); NULL otherwise. */
export const addMessageVoice: Migration = addColumn("messages", "voice", "INTEGER");
/**
 * 1 on a reply that is also spoken (a voice note after its text, [voice] speak_replies), decided when
 * the turn ended and kept with the row: a reply stored before a crash is still spoken. NULL otherwise.
 */
export const addOutboxSpeak: Migration = addColumn("outbox", "speak", "INTEGER");
