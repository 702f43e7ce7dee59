import { join } from "node:path";
import { acquireLock, holderAlive, readHolder, type LockHolder } from "../lock.ts";
import { ensurePrivateDir } from "../util/fsx.ts";

export type Claim = { ok: true; release: () => void } | { ok: false; holder: LockHolder | "this-process" };

/**
 * One install per target at a time, across async tasks and processes (semantics §3): an
 * in-process slot table checked-and-claimed synchronously, plus an exclusive lock file per
 * target whose dead owner is taken over. The claim is released in `finally` by the caller.
 */
/**
 * The process-wide slot table, keyed by lock path: two guards over the same home in one process
 * (the gateway and a test, say) still exclude each other, and the lock file, which holds our own
 * pid, is never mistaken for a stale one of ours.
 */
const slots = new Set<string>();

export class InstallGuard {
  constructor(private readonly locksDir: string) {}

  /** Claim `target`, or learn who holds it. Synchronous: no await between check and claim. */
  claim(target: string): Claim {
    const path = this.lockPath(target);
    if (slots.has(path)) return { ok: false, holder: "this-process" };
    ensurePrivateDir(this.locksDir);
    const lock = acquireLock(path);
    if (!lock.ok) return { ok: false, holder: lock.holder };
    slots.add(path);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        slots.delete(path);
        lock.release();
      },
    };
  }

  /** Who holds the target now: this process, another live one, or no one. */
  holder(target: string): "this-process" | LockHolder | null {
    if (slots.has(this.lockPath(target))) return "this-process";
    const h = readHolder(this.lockPath(target));
    return h && holderAlive(h) ? h : null;
  }

  /** True while some live process (this one included) holds the target. */
  busy(target: string): boolean {
    return this.holder(target) !== null;
  }

  /** The lock file of a target: `<engine>_<id>.lock` with anything unsafe replaced. */
  lockPath(target: string): string {
    return join(this.locksDir, `${target.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`);
  }
}
