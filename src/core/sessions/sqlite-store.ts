import type { DatabaseSync, StatementSync } from "node:sqlite";
import { WriteBatcher } from "../db-batch.ts";
import type { ToolStep } from "../integrations/types.ts";
import type { InboundMessage, ReplyError, TranscriptEntry } from "../messages.ts";
import type { VoiceRef } from "../voice/types.ts";
import { sessionId, sessionKey } from "./key.ts";
import type {
  HistoryMessage,
  InboxVerdict,
  OutboxEntry,
  PendingInbound,
  SessionDetail,
  SessionInfo,
  SessionPage,
  SessionQuery,
  SessionState,
  SessionStore,
  StoreCounts,
  TranscriptMessage,
  TurnRecord,
} from "./store.ts";

type InboxRow = {
  user: string;
  text: string;
  thread: string | null;
  reply: string | null;
  reply_error: string | null;
  replied_at: string | null;
};

type OutboxRow = {
  id: number;
  session_id: string;
  adapter: string;
  conversation: string;
  thread: string | null;
  reply_to: string;
  text: string;
  error: string | null;
  state: OutboxEntry["state"];
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  reply_url: string | null;
  speak: number | null;
};

type SessionRow = {
  id: string;
  key: string;
  adapter: string;
  conversation: string;
  thread: string | null;
  title: string | null;
  state: SessionState;
  created_at: number;
  last_activity_at: number;
  message_count: number;
  tokens_in: number;
  tokens_out: number;
  last_error_type: string | null;
  last_error_at: number | null;
  waiting: number;
  pending_out: number;
  dead_out: number;
};

const parseError = (text: string | null): ReplyError | null => {
  if (!text) return null;
  try {
    return JSON.parse(text) as ReplyError;
  } catch {
    return null;
  }
};
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A session's page shows its newest `limit` messages with the tool steps between them; past this
 * many tool rows more, the oldest are left out (max_tool_steps can be up to 1,000 a turn).
 */
const MAX_TOOL_ROWS = 2_000;

type MessageRow = { role: TranscriptMessage["role"]; content: string; inbound_id: string; model: string | null; error_type: string | null; created_at: number; voice: number | null };

/** The session store on the bosun database (node:sqlite). Every statement is prepared once. */
export class SqliteSessionStore implements SessionStore {
  #s: Record<string, StatementSync>;
  #batch: WriteBatcher;
  #lists = new Map<string, StatementSync>();
  #prepare: (sql: string) => StatementSync;
  constructor(db: DatabaseSync) {
    this.#batch = new WriteBatcher(db);
    this.#prepare = (sql) => db.prepare(sql);
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      insertInbox: p(`INSERT INTO inbox (adapter, conversation, message_id, thread, user, text, received_at, reply_url, voice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      getInbox: p(`SELECT user, text, thread, reply, reply_error, replied_at FROM inbox WHERE adapter = ? AND conversation = ? AND message_id = ?`),
      upsertSession: p(
        `INSERT INTO sessions (id, key, adapter, conversation, thread, state, created_at, last_activity_at, message_count, waiting, title) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, 1, 1, ?)
         ON CONFLICT (id) DO UPDATE SET last_activity_at = excluded.last_activity_at, message_count = message_count + 1, waiting = waiting + 1,
           title = COALESCE(title, excluded.title),
           state = CASE WHEN state = 'stopped' THEN state ELSE 'active' END`,
      ),
      pendingAll: p(`SELECT adapter, conversation, message_id, thread, user, text, received_at, reply_url, voice FROM inbox WHERE replied_at IS NULL ORDER BY received_at, rowid`),
      pendingOf: p(`SELECT adapter, conversation, message_id, thread, user, text, received_at, reply_url, voice FROM inbox WHERE replied_at IS NULL AND adapter = ? ORDER BY received_at, rowid`),
      history: p(
        `SELECT role, content FROM messages WHERE session_id = ? AND in_context = 1 AND seq > (SELECT context_from FROM sessions WHERE id = ?) ORDER BY seq DESC LIMIT ?`,
      ),
      insertMessage: p(`INSERT INTO messages (session_id, role, content, inbound_id, model, error_type, in_context, created_at, voice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      completeInbox: p(`UPDATE inbox SET reply = ?, reply_error = ?, replied_at = ? WHERE adapter = ? AND conversation = ? AND message_id = ? AND replied_at IS NULL`),
      finishSession: p(
        `UPDATE sessions SET state = CASE WHEN state = 'stopped' THEN state ELSE ? END, last_activity_at = ?, message_count = message_count + 1,
           tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, waiting = MAX(waiting - 1, 0), pending_out = pending_out + 1,
           last_error_type = COALESCE(?, last_error_type), last_error_at = COALESCE(?, last_error_at) WHERE id = ?`,
      ),
      insertOutbox: p(
        `INSERT INTO outbox (session_id, adapter, conversation, thread, reply_to, text, error, state, attempts, next_attempt_at, created_at, reply_url, speak) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?) RETURNING id`,
      ),
      reset: p(`UPDATE sessions SET context_from = COALESCE((SELECT MAX(seq) FROM messages), 0) WHERE id = ?`),
      setState: p(`UPDATE sessions SET state = ?, last_activity_at = MAX(last_activity_at, ?) WHERE id = ?`),
      pendingOutbox: p(`SELECT * FROM outbox WHERE state = 'pending' AND adapter = ? ORDER BY id`),
      pendingOutboxAll: p(`SELECT * FROM outbox WHERE state = 'pending' ORDER BY id`),
      sent: p(`UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ? AND state = 'pending'`),
      sentCount: p(`UPDATE sessions SET pending_out = MAX(pending_out - 1, 0) WHERE id = (SELECT session_id FROM outbox WHERE id = ?)`),
      retry: p(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`),
      dead: p(`UPDATE outbox SET state = 'dead', last_error = ?, attempts = ? WHERE id = ? AND state = 'pending'`),
      deadCount: p(`UPDATE sessions SET pending_out = MAX(pending_out - 1, 0), dead_out = dead_out + 1 WHERE id = (SELECT session_id FROM outbox WHERE id = ?)`),
      setTitle: p(`UPDATE sessions SET title = ? WHERE id = ?`),
      stopped: p(`SELECT key FROM sessions WHERE state = 'stopped'`),
      // A channel's transcript is the conversation: no tool rows.
      transcript: p(`SELECT role, content, inbound_id, model, error_type, created_at, voice FROM messages WHERE session_id = ? AND role != 'tool' ORDER BY seq DESC LIMIT ?`),
      // A session's page: from its limit-th newest message on, with the tool rows between.
      sessionMessages: p(
        `SELECT role, content, inbound_id, model, error_type, created_at, voice FROM messages WHERE session_id = ?
           AND seq >= COALESCE((SELECT seq FROM messages WHERE session_id = ? AND role != 'tool' ORDER BY seq DESC LIMIT 1 OFFSET ?), 0)
         ORDER BY seq DESC LIMIT ?`,
      ),
      sessionById: p(`SELECT * FROM sessions WHERE id = ?`),
      sessionByPrefix: p(`SELECT * FROM sessions WHERE id >= ? AND id < ? ORDER BY id LIMIT 2`),
      waiting: p(`SELECT message_id, text, received_at FROM inbox WHERE replied_at IS NULL AND adapter = ? AND conversation = ? AND COALESCE(thread, '') = ? ORDER BY received_at, rowid`),
      openOutbox: p(`SELECT * FROM outbox WHERE session_id = ? AND state != 'sent' ORDER BY id`),
      // Each count reads an index (the state index, the outbox's partial ones), not the tables.
      countSessions: p(
        `SELECT (SELECT COUNT(*) FROM sessions) AS total, (SELECT COUNT(*) FROM sessions WHERE state = 'active') AS active, (SELECT COUNT(*) FROM sessions WHERE state = 'errored') AS errored`,
      ),
      countOutbox: p(`SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending') AS pending, (SELECT COUNT(*) FROM outbox WHERE state = 'dead') AS dead`),
    };
  }

  accept(adapter: string, m: InboundMessage, at: number): Promise<InboxVerdict> {
    return this.#batch.write((): InboxVerdict => {
      const r = this.#s.insertInbox!.run(adapter, m.conversation, m.id, m.thread ?? null, m.user, m.text, iso(at), m.replyUrl ?? null, m.voice ? JSON.stringify(m.voice) : null);
      if (Number(r.changes) === 1) {
        const key = sessionKey(adapter, m.conversation, m.thread);
        this.#s.upsertSession!.run(sessionId(key), key, adapter, m.conversation, m.thread ?? null, at, at, m.title?.slice(0, 200) ?? null);
        return { kind: "new" };
      }
      const row = this.#s.getInbox!.get(adapter, m.conversation, m.id) as InboxRow | undefined;
      if (row && (row.user !== m.user || row.text !== m.text || row.thread !== (m.thread ?? null))) return { kind: "conflict" };
      if (row?.replied_at && row.reply !== null) return { kind: "answered", reply: row.reply, error: parseError(row.reply_error) };
      return { kind: "unanswered" };
    });
  }

  async pendingInbound(adapter?: string): Promise<PendingInbound[]> {
    const rows = (adapter === undefined ? this.#s.pendingAll!.all() : this.#s.pendingOf!.all(adapter)) as Array<{
      adapter: string;
      conversation: string;
      message_id: string;
      thread: string | null;
      user: string;
      text: string;
      received_at: string;
      reply_url: string | null;
      voice: string | null;
    }>;
    return rows.map((r) => ({
      adapter: r.adapter,
      receivedAt: Date.parse(r.received_at),
      message: {
        id: r.message_id,
        conversation: r.conversation,
        ...(r.thread === null ? {} : { thread: r.thread }),
        user: r.user,
        text: r.text,
        ...(r.reply_url === null ? {} : { replyUrl: r.reply_url }),
        ...withVoice(r.voice),
      },
    }));
  }

  async history(key: string, limit: number): Promise<HistoryMessage[]> {
    const id = sessionId(key);
    const rows = this.#s.history!.all(id, id, limit) as Array<{ role: "user" | "assistant"; content: string }>;
    return rows.reverse();
  }

  recordTurn(t: TurnRecord): Promise<OutboxEntry | null> {
    const key = sessionKey(t.adapter, t.inbound.conversation, t.inbound.thread);
    const id = sessionId(key);
    const ctx = t.inContext ? 1 : 0;
    const errorJson = t.reply.error ? JSON.stringify(t.reply.error) : null;
    return this.#batch.write((): OutboxEntry | null => {
      const s = this.#s;
      // The store's own guard of "exactly one reply": a message that has one keeps it.
      const first = s.completeInbox!.run(t.reply.text, errorJson, iso(t.at), t.adapter, t.inbound.conversation, t.inbound.id);
      if (Number(first.changes) !== 1) return null;
      // A voice note's row holds what was heard (userText), marked as voice; the inbox keeps the original.
      s.insertMessage!.run(id, "user", t.userText ?? t.inbound.text, t.inbound.id, null, null, ctx, t.receivedAt, t.inbound.voice ? 1 : null);
      // The turn's tool calls, between the question and the reply; never in a prompt (in_context 0).
      for (const step of t.tools ?? []) s.insertMessage!.run(id, "tool", stepJson(step), t.inbound.id, null, null, 0, t.at, null);
      s.insertMessage!.run(id, "assistant", t.reply.text, t.inbound.id, t.model, t.reply.error?.type ?? null, ctx, t.at, null);
      const errType = t.reply.error?.type ?? null;
      s.finishSession!.run(t.state, t.at, t.usage?.in ?? 0, t.usage?.out ?? 0, errType, errType ? t.at : null, id);
      const row = s.insertOutbox!.get(id, t.adapter, t.inbound.conversation, t.inbound.thread ?? null, t.inbound.id, t.reply.text, errorJson, t.at, t.at, t.inbound.replyUrl ?? null, t.speak ? 1 : null) as { id: number };
      return {
        id: row.id,
        sessionId: id,
        adapter: t.adapter,
        conversation: t.inbound.conversation,
        ...(t.inbound.thread === undefined ? {} : { thread: t.inbound.thread }),
        replyTo: t.inbound.id,
        text: t.reply.text,
        error: t.reply.error,
        state: "pending",
        attempts: 0,
        nextAttemptAt: t.at,
        lastError: null,
        createdAt: t.at,
        ...(t.inbound.replyUrl ? { replyUrl: t.inbound.replyUrl } : {}),
        ...(t.speak ? { speak: true } : {}),
      };
    });
  }

  resetContext(key: string): Promise<void> {
    return this.#batch.write(() => void this.#s.reset!.run(sessionId(key)));
  }

  setState(key: string, state: SessionState, at: number): Promise<void> {
    return this.#batch.write(() => void this.#s.setState!.run(state, at, sessionId(key)));
  }

  async pendingOutbox(adapter?: string): Promise<OutboxEntry[]> {
    const rows = adapter === undefined ? this.#s.pendingOutboxAll!.all() : this.#s.pendingOutbox!.all(adapter);
    return (rows as OutboxRow[]).map(outboxEntry);
  }

  markSent(id: number, at: number): Promise<void> {
    return this.#batch.write(() => {
      if (Number(this.#s.sent!.run(at, id).changes) === 1) this.#s.sentCount!.run(id);
    });
  }

  markRetry(id: number, error: string, nextAttemptAt: number): Promise<void> {
    return this.#batch.write(() => void this.#s.retry!.run(error, nextAttemptAt, id));
  }

  markDead(id: number, error: string, attempts: number): Promise<void> {
    return this.#batch.write(() => {
      if (Number(this.#s.dead!.run(error, attempts, id).changes) === 1) this.#s.deadCount!.run(id);
    });
  }

  setTitle(key: string, title: string): Promise<void> {
    return this.#batch.write(() => void this.#s.setTitle!.run(title.slice(0, 200), sessionId(key)));
  }

  async stoppedKeys(): Promise<string[]> {
    return (this.#s.stopped!.all() as Array<{ key: string }>).map((r) => r.key);
  }

  async listStored(q: SessionQuery = {}): Promise<SessionPage> {
    const limit = Math.max(1, Math.min(1_000, Math.floor(q.limit ?? 50)));
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.adapter !== undefined) {
      where.push("adapter = ?");
      args.push(q.adapter);
    }
    if (q.state !== undefined) {
      where.push("state = ?");
      args.push(q.state);
    }
    const after = q.cursor === undefined ? null : parseCursor(q.cursor);
    if (after) {
      where.push("(last_activity_at < ? OR (last_activity_at = ? AND id > ?))");
      args.push(after.at, after.at, after.id);
    }
    const sql = `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY last_activity_at DESC, id LIMIT ?`;
    const rows = this.#listing(sql).all(...args, limit + 1) as SessionRow[];
    const page = rows.slice(0, limit).map(sessionInfo);
    const last = page.at(-1);
    return { sessions: page, nextCursor: rows.length > limit && last ? `${last.lastActivityAt}.${last.id}` : null };
  }

  /** The few listing statements (one per filter combination), prepared once each. */
  #listing(sql: string): StatementSync {
    let st = this.#lists.get(sql);
    if (!st) this.#lists.set(sql, (st = this.#prepare(sql)));
    return st;
  }

  async transcript(key: string, limit: number): Promise<TranscriptEntry[]> {
    const id = sessionId(key);
    const rows = (this.#s.transcript!.all(id, limit) as MessageRow[]).reverse().map(transcriptMessage);
    const answered: TranscriptEntry[] = rows.map((m) => ({
      role: m.role === "user" ? "user" : "agent",
      id: m.inboundId,
      text: m.content,
      at: iso(m.createdAt),
      ...(m.voice ? { voice: true } : {}),
      ...(m.role === "assistant" && m.errorType ? { error: { type: m.errorType, retryable: false } } : {}),
    }));
    // Messages still waiting for their turn are part of the conversation too (a page reloaded
    // while the agent works still shows the question); they come after everything answered.
    const row = this.#s.sessionById!.get(id) as SessionRow | undefined;
    const waiting = row ? (this.#s.waiting!.all(row.adapter, row.conversation, row.thread ?? "") as Array<{ message_id: string; text: string; received_at: string }>) : [];
    const all = [...answered, ...waiting.map((w): TranscriptEntry => ({ role: "user", id: w.message_id, text: w.text, at: w.received_at }))];
    return all.slice(-limit);
  }

  async session(idOrKey: string, limit = 200): Promise<SessionDetail | null> {
    const row = this.#find(idOrKey);
    if (!row) return null;
    const info = sessionInfo(row);
    const waiting = (this.#s.waiting!.all(row.adapter, row.conversation, row.thread ?? "") as Array<{ message_id: string; text: string; received_at: string }>).map((w) => ({
      id: w.message_id,
      text: w.text,
      receivedAt: Date.parse(w.received_at),
    }));
    const outbox = (this.#s.openOutbox!.all(row.id) as OutboxRow[]).map(outboxEntry);
    const n = Math.max(1, Math.floor(limit));
    const messages = (this.#s.sessionMessages!.all(row.id, row.id, n - 1, n + MAX_TOOL_ROWS) as MessageRow[]).reverse().map(transcriptMessage);
    return { ...info, messages, waitingMessages: waiting, outbox };
  }

  async counts(): Promise<StoreCounts> {
    const s = this.#s.countSessions!.get() as { total: number; active: number; errored: number };
    const o = this.#s.countOutbox!.get() as { pending: number; dead: number };
    return { sessions: { total: s.total, active: s.active, errored: s.errored }, outbox: { pending: o.pending, dead: o.dead } };
  }

  /** A session by exact id, key, or a unique id prefix (an ambiguous prefix finds none). */
  #find(idOrKey: string): SessionRow | null {
    const exact = this.#s.sessionById!.get(/^[0-9a-f]{16}$/.test(idOrKey) ? idOrKey : sessionId(idOrKey)) as SessionRow | undefined;
    if (exact) return exact;
    // Like git: at least 4 characters, so a typo of one or two cannot name (and stop) a session.
    if (!/^[0-9a-f]{4,15}$/.test(idOrKey)) return null;
    const upper = idOrKey + "g";
    const rows = this.#s.sessionByPrefix!.all(idOrKey, upper) as SessionRow[];
    return rows.length === 1 ? rows[0]! : null;
  }
}

/** A listing cursor, `lastActivityAt.id`; anything else starts from the top. */
function parseCursor(cursor: string): { at: number; id: string } | null {
  const m = /^(\d{1,16})\.([0-9a-f]{16})$/.exec(cursor);
  return m ? { at: Number(m[1]), id: m[2]! } : null;
}

function transcriptMessage(r: MessageRow): TranscriptMessage {
  const m: TranscriptMessage = { role: r.role, content: r.content, inboundId: r.inbound_id, model: r.model, errorType: r.error_type, createdAt: r.created_at, ...(r.voice === 1 ? { voice: true } : {}) };
  if (r.role === "tool") {
    const tool = parseStep(r.content);
    if (tool) m.tool = tool;
  }
  return m;
}

/** The stored VoiceRef of an inbox row; a value that does not parse as one is left out (the message is then answered as text). */
function withVoice(json: string | null): { voice?: VoiceRef } {
  if (json === null) return {};
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    if (!v || typeof v.ref !== "string") return {};
    const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
    const ref: VoiceRef = { ref: v.ref };
    if (typeof v.mime === "string") ref.mime = v.mime;
    if (num(v.durationS) !== undefined) ref.durationS = num(v.durationS);
    if (num(v.sizeBytes) !== undefined) ref.sizeBytes = num(v.sizeBytes);
    return { voice: ref };
  } catch {
    return {};
  }
}

/** A tool step as its row stores it: the step's own fields only. */
function stepJson(s: ToolStep): string {
  return JSON.stringify({ name: s.name, source: s.source, arguments: s.arguments, result: s.result, isError: s.isError, durationMs: s.durationMs });
}

/** A stored tool row's step; undefined for one that does not parse as a step (it is shown as its text). */
function parseStep(text: string): ToolStep | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== "object" || typeof v.name !== "string" || typeof v.arguments !== "string" || typeof v.result !== "string") return undefined;
  return {
    name: v.name,
    source: typeof v.source === "string" ? v.source : null,
    arguments: v.arguments,
    result: v.result,
    isError: v.isError === true,
    durationMs: typeof v.durationMs === "number" && Number.isFinite(v.durationMs) ? v.durationMs : 0,
  };
}

function outboxEntry(r: OutboxRow): OutboxEntry {
  return {
    id: r.id,
    sessionId: r.session_id,
    adapter: r.adapter,
    conversation: r.conversation,
    ...(r.thread === null ? {} : { thread: r.thread }),
    replyTo: r.reply_to,
    text: r.text,
    error: parseError(r.error),
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    ...(r.reply_url === null ? {} : { replyUrl: r.reply_url }),
    ...(r.speak === 1 ? { speak: true } : {}),
  };
}

function sessionInfo(r: SessionRow): SessionInfo {
  return {
    id: r.id,
    key: r.key,
    adapter: r.adapter,
    conversation: r.conversation,
    thread: r.thread,
    title: r.title,
    state: r.state,
    createdAt: r.created_at,
    lastActivityAt: r.last_activity_at,
    messageCount: r.message_count,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    lastErrorType: r.last_error_type,
    lastErrorAt: r.last_error_at,
    waiting: r.waiting,
    pendingOut: r.pending_out,
    deadOut: r.dead_out,
  };
}
