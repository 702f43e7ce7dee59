import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { InstallState, InstallStatus } from "../status.ts";

/** A stored install status plus what only the store needs. */
export interface StoredInstall extends InstallStatus {
  /** pid of the process that set `installing` (to detect interrupted installs). */
  ownerPid: number | null;
  /** `size:mtimeMs` per file when the files were last verified, so listing needn't re-hash GBs. */
  verified: string | null;
}

interface Row {
  target: string;
  state: string;
  progress: number;
  downloaded: number;
  total: number;
  stage: string | null;
  error: string | null;
  owner_pid: number | null;
  verified: string | null;
}

/** Persisted install statuses (semantics §3), shared by the gateway and one-shot CLI processes. */
export class InstallStore {
  #get: StatementSync;
  #all: StatementSync;
  #put: StatementSync;
  #del: StatementSync;
  #interrupt: StatementSync;
  constructor(db: DatabaseSync, private readonly now: () => number = Date.now) {
    this.#get = db.prepare(`SELECT * FROM installs WHERE target = ?`);
    this.#all = db.prepare(`SELECT * FROM installs ORDER BY target`);
    this.#put = db.prepare(
      `INSERT INTO installs (target, state, progress, downloaded, total, stage, error, owner_pid, verified, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(target) DO UPDATE SET state = excluded.state, progress = excluded.progress, downloaded = excluded.downloaded,
         total = excluded.total, stage = excluded.stage, error = excluded.error, owner_pid = excluded.owner_pid,
         verified = excluded.verified, updated_at = excluded.updated_at`,
    );
    this.#del = db.prepare(`DELETE FROM installs WHERE target = ?`);
    this.#interrupt = db.prepare(
      `UPDATE installs SET state = 'error', stage = NULL, error = ?, owner_pid = NULL, updated_at = ?
       WHERE target = ? AND state IN ('queued', 'installing') AND owner_pid IS ?`,
    );
  }

  /** The stored status of a target, if any. */
  get(target: string): StoredInstall | undefined {
    const r = this.#get.get(target) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Every stored status. */
  all(): StoredInstall[] {
    return (this.#all.all() as unknown as Row[]).map(fromRow);
  }

  /** Write a status (whole). */
  put(s: StoredInstall): void {
    this.#put.run(s.target, s.state, s.progress, s.downloadedBytes, s.totalBytes, s.stage, s.error, s.ownerPid, s.verified, new Date(this.now()).toISOString());
  }

  /**
   * Mark an in-flight install whose owner is gone as an `error`, only if the row still shows that
   * owner in flight: an owner that finished, or a new one that claimed the target, since the row
   * was read keeps its status. True when the row was changed.
   */
  interrupt(target: string, ownerPid: number | null, error: string): boolean {
    return Number(this.#interrupt.run(error, new Date(this.now()).toISOString(), target, ownerPid).changes) > 0;
  }

  /** Forget a target (after uninstall). */
  delete(target: string): void {
    this.#del.run(target);
  }
}

function fromRow(r: Row): StoredInstall {
  return {
    target: r.target,
    state: r.state as InstallState,
    progress: r.progress,
    downloadedBytes: r.downloaded,
    totalBytes: r.total,
    stage: r.stage,
    error: r.error,
    ownerPid: r.owner_pid,
    verified: r.verified,
  };
}
