import type { Clock } from "../../util/clock.ts";
import { readJson, writeFileAtomic } from "../../util/fsx.ts";

/** A gateway session one shard can resume (what @discordjs/ws keeps as SessionInfo). */
export interface StoredSession {
  sessionId: string;
  resumeURL: string;
  sequence: number;
  shardId: number;
  shardCount: number;
}

const isSession = (v: unknown): v is StoredSession => {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.sessionId === "string" &&
    typeof s.resumeURL === "string" &&
    /^wss?:\/\/[^?#]+$/.test(s.resumeURL) &&
    Number.isSafeInteger(s.sequence) &&
    Number.isSafeInteger(s.shardId) &&
    Number.isSafeInteger(s.shardCount)
  );
};

/**
 * The gateway sessions of one adapter, kept in its state file so the next adapter object (after
 * a lost connection, a restart or a crash) resumes instead of identifying: Discord then replays
 * what was dispatched meanwhile. The sequence stored is the one before the oldest message the
 * gateway has not yet accepted, so a crash never resumes past a message that was not stored; the
 * replayed messages it had stored are recognised by their ids.
 */
export class SessionStore {
  readonly #file: string;
  readonly #live = new Map<number, StoredSession>();
  /** Per shard: sequences of messages handed on but not yet accepted. */
  readonly #pending = new Map<number, Set<number>>();
  readonly #onError: (err: unknown) => void;
  /** Set while stopping: the library forgets the session when it closes; the file keeps it. */
  #frozen = false;
  readonly #clock: Clock;
  #scheduled = false;

  constructor(file: string, clock: Clock, onError: (err: unknown) => void) {
    this.#file = file;
    this.#clock = clock;
    this.#onError = onError;
    const stored = readJson<{ sessions?: unknown }>(file)?.sessions;
    if (Array.isArray(stored)) for (const s of stored) if (isSession(s)) this.#live.set(s.shardId, s);
  }

  /** The session shard `shardId` resumes, if any. */
  get(shardId: number): StoredSession | null {
    return this.#live.get(shardId) ?? null;
  }

  /** The library's update (a new session, a higher sequence, or null: identify afresh). */
  set(shardId: number, info: StoredSession | null): void {
    if (this.#frozen) return;
    if (info === null) {
      this.#live.delete(shardId);
      this.#pending.delete(shardId);
    } else this.#live.set(shardId, { ...info });
    this.#schedule();
  }

  /** A message at `seq` was handed to the gateway; until `done` the stored sequence stays before it. */
  hold(shardId: number, seq: number): () => void {
    let set = this.#pending.get(shardId);
    if (!set) this.#pending.set(shardId, (set = new Set()));
    set.add(seq);
    return () => {
      if (set.delete(seq)) this.#schedule();
    };
  }

  /** Stop taking the library's updates: its closing must not erase the session the next start resumes. */
  freeze(): void {
    this.#frozen = true;
    this.#persist();
  }

  /**
   * Writes wait for the next macrotask: the library stores a dispatch's sequence just before it
   * emits the dispatch, and the message's hold (taken in that emit) must be in the file with it.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#clock.after(0, () => {
      this.#scheduled = false;
      this.#persist();
    });
  }

  #persist(): void {
    const sessions = [...this.#live.values()].map((s) => {
      const pending = this.#pending.get(s.shardId);
      const oldest = pending && pending.size > 0 ? Math.min(...pending) : undefined;
      return oldest !== undefined && oldest - 1 < s.sequence ? { ...s, sequence: Math.max(0, oldest - 1) } : s;
    });
    try {
      writeFileAtomic(this.#file, JSON.stringify({ sessions }) + "\n", 0o600);
    } catch (err) {
      this.#onError(err);
    }
  }
}
