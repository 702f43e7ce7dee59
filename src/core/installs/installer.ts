import type { ConsolaInstance } from "consola";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { BosunError, ExitCode, errorMessage } from "../errors.ts";
import type { EventBus } from "../events.ts";
import type { InstallStatus } from "../status.ts";
import { systemClock, type Clock } from "../util/clock.ts";
import { didYouMean } from "../util/suggest.ts";
import { builtinCatalog, resolveUrl } from "./catalog/catalog.ts";
import { download, verifyFile } from "./download/index.ts";
import type { LockHolder } from "../lock.ts";
import { InstallGuard } from "./guard.ts";
import { InstallStore, type StoredInstall } from "./store.ts";
import type { CatalogEntry } from "./types.ts";

export interface InstallerOptions {
  /** `$BOSUN_HOME/models`. */
  modelsDir: string;
  db: DatabaseSync;
  bus: EventBus | null;
  log: ConsolaInstance;
  mirror: string;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Entries from `[[installs.custom]]`. */
  custom?: CatalogEntry[];
  /** Stamps stored states and paces progress (the gateway's clock; the real one by default). */
  clock?: Clock;
  /** Whether `[installs] want` names a target: an uninstalled wanted target keeps its row, as "missing". */
  wanted?: (target: string) => boolean;
}

/** What asking for an install gave: a new job, or the status of the one already running. */
export type InstallRequest =
  | { started: true; status: InstallStatus; done: Promise<InstallStatus> }
  | { started: false; status: InstallStatus; holderPid: number | null };

const EMIT_EVERY_MS = 100;
const PERSIST_EVERY_MS = 250;

/**
 * Installs models and voices under the guard (semantics §3): one install per target across
 * tasks and processes, verified resumable downloads, persisted status with recovery.
 */
export class Installer {
  readonly guard: InstallGuard;
  #store: InstallStore;
  #jobs = new Map<string, AbortController>();
  #running = new Set<Promise<InstallStatus>>();
  #entries: CatalogEntry[];
  #clock: Clock;

  constructor(private readonly opts: InstallerOptions) {
    this.#clock = opts.clock ?? systemClock;
    this.#store = new InstallStore(opts.db, this.#clock);
    this.guard = new InstallGuard(join(opts.modelsDir, ".locks"));
    const custom = opts.custom ?? [];
    const customTargets = new Set(custom.map((e) => e.target));
    this.#entries = [...builtinCatalog().filter((e) => !customTargets.has(e.target)), ...custom];
  }

  /** Every installable entry (built-in plus custom). */
  entries(): CatalogEntry[] {
    return this.#entries;
  }

  /** The entry of a target, or a usage error with a did-you-mean. */
  entry(target: string): CatalogEntry {
    const e = this.#entries.find((x) => x.target === target);
    if (e) return e;
    const guess = didYouMean(target, this.#entries.map((x) => x.target));
    throw new BosunError("unknown_target", `unknown install target "${target}"`, {
      exitCode: ExitCode.usage,
      hint: guess ? `did you mean ${guess}?` : "list them with `bosun catalog`",
    });
  }

  /** Where a target's files live. */
  filePaths(entry: CatalogEntry): string[] {
    return entry.files.map((f) => join(this.opts.modelsDir, entry.engine, f.dest));
  }

  /**
   * Ask for an install. If this or another process is installing the target, nothing starts:
   * the current status comes back. Otherwise a job starts and `done` settles when it ends.
   */
  async request(target: string, opts: { force?: boolean } = {}): Promise<InstallRequest> {
    const entry = this.entry(target);
    if (!opts.force && !this.guard.busy(target)) {
      const current = await this.status(target);
      if (current.state === "installed") return { started: false, status: current, holderPid: null };
    }
    // Check-and-claim is synchronous from here: no await between them.
    const claim = this.guard.claim(target);
    if (!claim.ok) {
      const holderPid = claim.holder === "this-process" ? process.pid : claim.holder.pid || null;
      return { started: false, status: await this.status(target), holderPid };
    }
    // An owner that finished between the check above and the claim: nothing to do.
    const finished = opts.force ? null : this.#installedUnchanged(entry);
    if (finished) {
      claim.release();
      return { started: false, status: pub(finished), holderPid: null };
    }
    const abort = new AbortController();
    this.#jobs.set(target, abort);
    const queued = this.#save({ ...blank(entry), state: "queued", stage: "queued", ownerPid: process.pid });
    const done = this.#run(entry, !!opts.force, abort.signal).finally(() => {
      this.#jobs.delete(target);
      this.#running.delete(done);
      claim.release();
    });
    this.#running.add(done);
    return { started: true, status: pub(queued), done };
  }

  /** Cancel a running install of this process; its `.part` stays for a later resume. */
  cancel(target: string): boolean {
    const job = this.#jobs.get(target);
    job?.abort();
    return !!job;
  }

  /** Cancel every running install and wait until each has released its claim (shutdown). */
  async cancelAll(): Promise<void> {
    for (const j of this.#jobs.values()) j.abort();
    await Promise.allSettled([...this.#running]);
  }

  /** Remove a target's files and status. Refused while it is being installed. */
  async uninstall(target: string): Promise<InstallStatus> {
    const entry = this.entry(target);
    const claim = this.guard.claim(target);
    if (!claim.ok) {
      throw new BosunError("install_busy", `${target} is being installed right now`, { hint: `cancel it first (Ctrl-C the install, or \`x\` in the dashboard)` });
    }
    try {
      const paths = this.filePaths(entry);
      const had = this.#store.get(target) !== undefined || paths.some((p) => statOrNull(p) || statOrNull(`${p}.part`));
      for (const p of paths) {
        rmSync(p, { force: true });
        rmSync(`${p}.part`, { force: true });
      }
      this.#store.delete(target);
      const s = { ...blank(entry), state: "missing" as const };
      // Nothing was there: nothing changed, so nothing to tell (a status list would gain a phantom row).
      // A target nobody wants leaves the list, as `bosun installs` would list it.
      if (had && this.opts.wanted?.(target)) this.#emit(s);
      else if (had) this.opts.bus?.emit({ type: "install.removed", target });
      return s;
    } finally {
      claim.release();
    }
  }

  /**
   * The status of a target, reconciled with the disk and the lock: an `installing` whose owner is
   * gone becomes `error` (interrupted, resumable); files that verify are `installed` even with no
   * stored status; files that fail verification are `broken`.
   */
  async status(target: string): Promise<InstallStatus> {
    const entry = this.entry(target);
    let stored = this.#store.get(target);
    const holder = this.guard.holder(target);
    if (stored && inFlight(stored)) {
      if (holder) return pub(stored);
      // No one holds the target now: its owner died, or finished (and released) since the read
      // above. Only a row still as read is marked interrupted; then re-read.
      const changed = this.#store.interrupt(stored, "interrupted; install again to resume");
      stored = this.#store.get(target);
      if (changed && stored) this.#emit(pub(stored));
      if (stored && stored.state !== "installed") return pub(stored);
    } else if (holder && holder !== "this-process" && holder.procStart !== undefined && !writtenByHolder(stored, holder)) {
      // Another process has claimed the target and not yet written its first status: whatever
      // the row says is from before, and the install is in flight. (An owner's final status
      // names it, so one that has finished but not yet released is reported as it ended.)
      // Only a holder known by its process start is trusted this far: a lock without one may
      // name an unrelated process that reused a dead owner's pid, and would read queued forever.
      return { ...pub(blank(entry)), state: "queued", stage: "queued", downloadedBytes: this.#partialBytes(entry) };
    }
    const paths = this.filePaths(entry);
    const key = filesKey(paths);
    if (key !== null) {
      if (stored && stillVerified(stored, key)) return pub(stored);
      const ok = (await Promise.all(entry.files.map((f, i) => verifyFile(paths[i]!, f.size, f.checksum)))).every(Boolean);
      const found: StoredInstall = ok
        ? { ...blank(entry), state: "installed", progress: 100, downloadedBytes: entry.size, verified: key }
        : { ...blank(entry), state: "broken", error: "files on disk fail verification; reinstall with --force", verified: null };
      // Saved only if no one wrote the row while we verified (an install that started or ended).
      if (this.#store.putIf(found, stored)) {
        this.#emit(pub(found));
        return pub(found);
      }
      const now = this.#store.get(target);
      return pub(now ?? blank(entry));
    }
    if (stored && stored.state !== "installed") return pub(stored);
    if (stored?.state === "installed") this.#store.deleteIf(stored);
    return { ...pub(blank(entry)), downloadedBytes: this.#partialBytes(entry) };
  }

  /** Bytes already in the `.part` files of a target. */
  #partialBytes(entry: CatalogEntry): number {
    return this.filePaths(entry).reduce((n, p) => n + (statOrNull(`${p}.part`)?.size ?? 0), 0);
  }

  /** The stored `installed` status, if the files are still exactly those that were verified. */
  #installedUnchanged(entry: CatalogEntry): StoredInstall | null {
    const stored = this.#store.get(entry.target);
    return stored && stillVerified(stored, filesKey(this.filePaths(entry))) ? stored : null;
  }

  /** Targets with a stored status or files on disk, plus `extra` (e.g. the wanted ones). */
  async list(extra: string[] = []): Promise<InstallStatus[]> {
    const targets = new Set([...this.#store.all().map((s) => s.target), ...extra]);
    for (const e of this.#entries) if (this.filePaths(e).some((p) => statOrNull(p) || statOrNull(`${p}.part`))) targets.add(e.target);
    const out: InstallStatus[] = [];
    for (const t of [...targets].sort()) {
      try {
        out.push(await this.status(t));
      } catch {
        // A stored target no longer in the catalogue: nothing to show.
      }
    }
    return out;
  }

  async #run(entry: CatalogEntry, force: boolean, signal: AbortSignal): Promise<InstallStatus> {
    let s: StoredInstall = { ...blank(entry), state: "installing", stage: "starting", ownerPid: process.pid };
    let lastEmit = 0;
    let lastPersist = 0;
    const update = (patch: Partial<StoredInstall>, force = false) => {
      s = { ...s, ...patch };
      const now = this.#clock.now();
      if (force || now - lastPersist >= PERSIST_EVERY_MS) {
        this.#store.put(s);
        lastPersist = now;
      }
      if (force || now - lastEmit >= EMIT_EVERY_MS) {
        this.#emit(pub(s));
        lastEmit = now;
      }
    };
    update({}, true);
    const paths = this.filePaths(entry);
    try {
      let done = 0;
      for (const [i, file] of entry.files.entries()) {
        const dest = paths[i]!;
        if (force) {
          rmSync(dest, { force: true });
          rmSync(`${dest}.part`, { force: true });
        } else if (statOrNull(dest)?.size === file.size && (await verifyFile(dest, file.size, file.checksum))) {
          done += file.size;
          continue;
        }
        update({ stage: `downloading ${file.dest}` }, true);
        const base = done;
        await download({
          url: resolveUrl(file, this.opts.mirror),
          dest,
          size: file.size,
          checksum: file.checksum,
          connectTimeoutMs: this.opts.connectTimeoutMs,
          idleTimeoutMs: this.opts.idleTimeoutMs,
          clock: this.#clock,
          signal,
          onProgress: (p) => {
            const bytes = base + p.bytes;
            update({ downloadedBytes: bytes, progress: Math.min(99, Math.floor((bytes / entry.size) * 100)) });
          },
        });
        done += file.size;
      }
      const key = filesKey(paths);
      update({ state: "installed", progress: 100, downloadedBytes: entry.size, stage: null, error: null, verified: key }, true);
      this.opts.log.info(`installed ${entry.target} (${paths.join(", ")})`);
    } catch (err) {
      const cancelled = signal.aborted;
      const message = cancelled ? "cancelled; install again to resume (the partial download is kept)" : errorMessage(err);
      // A cancel ends the install like an error (resumable, `.part` kept); the stage says which, so views can tell.
      update({ state: "error", stage: cancelled ? "cancelled" : null, error: message }, true);
      if (cancelled) this.opts.log.info(`install of ${entry.target} cancelled`);
      else this.opts.log.warn(`install of ${entry.target} failed: ${message}`);
    }
    return pub(s);
  }

  #save(s: StoredInstall): StoredInstall {
    this.#store.put(s);
    this.#emit(pub(s));
    return s;
  }

  #emit(s: InstallStatus): void {
    this.opts.bus?.emit({ type: "install.state", install: s });
  }
}

function blank(entry: CatalogEntry): StoredInstall {
  return { target: entry.target, state: "missing", progress: 0, downloadedBytes: 0, totalBytes: entry.size, stage: null, error: null, ownerPid: null, verified: null };
}

/** True when the row was written by the lock's holder after it claimed the target. */
function writtenByHolder(stored: StoredInstall | undefined, holder: LockHolder): boolean {
  return !!stored && stored.ownerPid === holder.pid && (stored.updatedAt ?? "") >= holder.startedAt;
}

function inFlight(s: StoredInstall): boolean {
  return s.state === "installing" || s.state === "queued";
}

/** The public part of a stored status. */
function pub(s: StoredInstall): InstallStatus {
  return { target: s.target, state: s.state, progress: s.progress, downloadedBytes: s.downloadedBytes, totalBytes: s.totalBytes, stage: s.stage, error: s.error };
}

/** True when the row is `installed` and the files are exactly those it verified (same key). */
function stillVerified(stored: StoredInstall, key: string | null): boolean {
  return stored.state === "installed" && key !== null && stored.verified === key;
}

/** `size:mtimeMs` of every file, the key under which a verification is remembered; null if one is missing. */
function filesKey(paths: string[]): string | null {
  const stats = paths.map((p) => statOrNull(p));
  return stats.every((st) => st !== null) ? stats.map((st) => `${st!.size}:${st!.mtimeMs}`).join(",") : null;
}

function statOrNull(p: string): { size: number; mtimeMs: number } | null {
  try {
    const st = statSync(p);
    return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
  } catch {
    return null;
  }
}
