import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { InboundMessage, ReplyError } from "../messages.ts";
import { systemClock, type Clock } from "../util/clock.ts";

/** What the inbox knows about a message it was handed. */
export type InboxVerdict =
  | { kind: "new" }
  /** Seen before and answered: resend the stored reply, never run the agent again. */
  | { kind: "answered"; reply: string; error: ReplyError | null }
  /** Seen before, no reply recorded (in flight here, or the process died before replying). */
  | { kind: "unanswered" }
  /** The id was used before in this conversation for a different message: neither is replaced. */
  | { kind: "conflict" };

interface StoredRow {
  user: string;
  text: string;
  thread: string | null;
  reply: string | null;
  reply_error: string | null;
  replied_at: string | null;
}

/**
 * The durable inbox (semantics §4): an inbound message is stored before it is acknowledged to
 * its platform, and de-duplicated by (adapter, conversation, platform message id).
 */
export class Inbox {
  #insert: StatementSync;
  #get: StatementSync;
  #complete: StatementSync;
  constructor(private readonly db: DatabaseSync, private readonly clock: Pick<Clock, "now"> = systemClock) {
    this.#insert = db.prepare(
      `INSERT INTO inbox (adapter, conversation, message_id, thread, user, text, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#get = db.prepare(`SELECT user, text, thread, reply, reply_error, replied_at FROM inbox WHERE adapter = ? AND conversation = ? AND message_id = ?`);
    this.#complete = db.prepare(`UPDATE inbox SET reply = ?, reply_error = ?, replied_at = ? WHERE adapter = ? AND conversation = ? AND message_id = ?`);
  }

  /** Store a message (once); tells whether it is new, what became of it before, or that its id is taken. */
  accept(adapter: string, m: InboundMessage): InboxVerdict {
    const at = new Date(this.clock.now()).toISOString();
    const r = this.#insert.run(adapter, m.conversation, m.id, m.thread ?? null, m.user, m.text, at);
    if (Number(r.changes) === 1) return { kind: "new" };
    const row = this.#get.get(adapter, m.conversation, m.id) as StoredRow | undefined;
    if (row && (row.user !== m.user || row.text !== m.text || row.thread !== (m.thread ?? null))) return { kind: "conflict" };
    if (row?.replied_at && row.reply !== null) {
      return { kind: "answered", reply: row.reply, error: row.reply_error ? (JSON.parse(row.reply_error) as ReplyError) : null };
    }
    return { kind: "unanswered" };
  }

  /** Record the reply to a stored message. */
  complete(adapter: string, m: Pick<InboundMessage, "conversation" | "id">, reply: string, error: ReplyError | null): void {
    this.#complete.run(reply, error ? JSON.stringify(error) : null, new Date(this.clock.now()).toISOString(), adapter, m.conversation, m.id);
  }
}
