import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { InstallState, InstallStatus } from "../status.ts";
import { systemClock, type Clock } from "../util/clock.ts";

/** A stored install status plus what only the store needs. */
export interface StoredInstall extends InstallStatus {
  /**
   * pid of the process that owns the install, or owned it when it ended (to detect interrupted
   * installs, and to tell an owner's final status from one written before its claim).
   */
  ownerPid: number | null;
  /** `size:mtimeMs` per file when the files were last verified, so listing needn't re-hash GBs. */
  verified: string | null;
  /** The row's revision when it was read (absent for a status not read from the store). */
  rev?: number;
  /** When the row was last written (ISO 8601), as read. */
  updatedAt?: string;
}

/** A row as SQLite hands it over: its columns read through the helpers below, never cast. */
type Row = Record<string, unknown>;

/** Persisted install statuses (semantics §3), shared by the gateway and one-shot CLI processes. */
export class InstallStore {
  #get: StatementSync;
  #all: StatementSync;
  #put: StatementSync;
  #del: StatementSync;
  #insertNew: StatementSync;
  #update: StatementSync;
  #delIf: StatementSync;
  #interrupt: StatementSync;
  constructor(db: DatabaseSync, private readonly clock: Pick<Clock, "now"> = systemClock) {
    this.#get = db.prepare(`SELECT * FROM installs WHERE target = ?`);
    this.#all = db.prepare(`SELECT * FROM installs ORDER BY target`);
    const cols = `target, state, progress, downloaded, total, stage, error, owner_pid, verified, updated_at`;
    const vals = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?`;
    const set = `state = ?2, progress = ?3, downloaded = ?4, total = ?5, stage = ?6, error = ?7, owner_pid = ?8, verified = ?9, updated_at = ?10, rev = rev + 1`;
    this.#put = db.prepare(
      `INSERT INTO installs (${cols}) VALUES (${vals})
       ON CONFLICT(target) DO UPDATE SET state = excluded.state, progress = excluded.progress, downloaded = excluded.downloaded,
         total = excluded.total, stage = excluded.stage, error = excluded.error, owner_pid = excluded.owner_pid,
         verified = excluded.verified, updated_at = excluded.updated_at, rev = installs.rev + 1`,
    );
    this.#insertNew = db.prepare(`INSERT INTO installs (${cols}) VALUES (${vals}) ON CONFLICT(target) DO NOTHING`);
    this.#update = db.prepare(`UPDATE installs SET ${set} WHERE target = ?1 AND rev = ?11`);
    this.#del = db.prepare(`DELETE FROM installs WHERE target = ?`);
    this.#delIf = db.prepare(`DELETE FROM installs WHERE target = ? AND rev = ?`);
    this.#interrupt = db.prepare(
      `UPDATE installs SET state = 'error', stage = NULL, error = ?, owner_pid = NULL, updated_at = ?, rev = rev + 1
       WHERE target = ? AND rev = ? AND state IN ('queued', 'installing')`,
    );
  }

  /** The stored status of a target, if any. */
  get(target: string): StoredInstall | undefined {
    const r: Row | undefined = this.#get.get(target);
    return r ? fromRow(r) : undefined;
  }

  /** Every stored status. */
  all(): StoredInstall[] {
    return this.#all.all().map(fromRow);
  }

  /** Write a status (whole), whatever is stored: for the holder of the target's claim. */
  put(s: StoredInstall): void {
    this.#put.run(...this.#values(s));
  }

  /**
   * Write a status computed from `read` (what `get` returned, or undefined for no row), only if
   * the row is still as read: a status derived without the claim never overwrites a newer one.
   * True when written.
   */
  putIf(s: StoredInstall, read: StoredInstall | undefined): boolean {
    const r = read?.rev === undefined ? this.#insertNew.run(...this.#values(s)) : this.#update.run(...this.#values(s), read.rev);
    return Number(r.changes) > 0;
  }

  /** Forget a target if its row is still as read. */
  deleteIf(read: StoredInstall): boolean {
    return Number(this.#delIf.run(read.target, read.rev ?? -1).changes) > 0;
  }

  /**
   * Mark an in-flight install whose owner is gone as an `error`, only if the row is still as read:
   * an owner that finished, or a new one that claimed the target, since the read keeps its
   * status. True when the row was changed.
   */
  interrupt(read: StoredInstall, error: string): boolean {
    return Number(this.#interrupt.run(error, new Date(this.clock.now()).toISOString(), read.target, read.rev ?? -1).changes) > 0;
  }

  #values(s: StoredInstall): [string, string, number, number, number, string | null, string | null, number | null, string | null, string] {
    return [s.target, s.state, s.progress, s.downloadedBytes, s.totalBytes, s.stage, s.error, s.ownerPid, s.verified, new Date(this.clock.now()).toISOString()];
  }

  /** Forget a target (after uninstall). */
  delete(target: string): void {
    this.#del.run(target);
  }
}

const text = (v: unknown): string => (typeof v === "string" ? v : String(v ?? ""));
const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const count = (v: unknown): number => Number(v ?? 0);

function fromRow(r: Row): StoredInstall {
  return {
    target: text(r.target),
    state: text(r.state) as InstallState,
    progress: count(r.progress),
    downloadedBytes: count(r.downloaded),
    totalBytes: count(r.total),
    stage: textOrNull(r.stage),
    error: textOrNull(r.error),
    ownerPid: r.owner_pid === null || r.owner_pid === undefined ? null : count(r.owner_pid),
    verified: textOrNull(r.verified),
    rev: count(r.rev),
    updatedAt: text(r.updated_at),
  };
}
