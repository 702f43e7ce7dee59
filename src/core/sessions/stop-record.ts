import type { ConsolaInstance } from "consola";
import type { Clock } from "../util/clock.ts";
import { collectLastStop, lastStopTotals, lastStopVerdict, readLastStop, removeLastStop, writeLastStop, type LastStop, type LastStopSession, type RestoreResult } from "./last-stop.ts";
import type { TurnRuntime } from "./runtime.ts";
import type { SessionStore } from "./store.ts";

/**
 * The gateway's side of the last-stop record (the file's format and rules are last-stop.ts'):
 * what a start holds, what a restore releases, what a stop writes. One per run.
 */
export class StopRecord {
  /** The record as found at start, before this run stamped it. */
  #unstamped: LastStop | null = null;
  constructor(
    private readonly path: string,
    private readonly clock: Clock,
    private readonly log: ConsolaInstance,
  ) {}

  /**
   * The sessions the last-stop record says a chosen `down` left, to hold until a restore; the
   * record is stamped with this start so a crash of this run is recovered without asking.
   */
  holdAtStart(startedAt: string, restoring: boolean): string[] {
    const v = lastStopVerdict(readLastStop(this.path));
    if (v.kind === "crashed") {
      this.log.info(`last-stop record not used (${v.reason}): every stored message is answered, as after a crash`);
      removeLastStop(this.path);
      return [];
    }
    if (v.kind === "none") return [];
    this.#unstamped = v.record;
    writeLastStop(this.path, { ...v.record, heldSince: startedAt });
    if (!restoring) {
      const t = lastStopTotals(v.record);
      this.log.warn(`${t.sessions} session(s) with ${t.waiting} waiting message(s) from the last \`bosun down\` are held: \`bosun restore\` answers them`);
    }
    return v.record.sessions.map((s) => s.key);
  }

  /**
   * Restore what the last `bosun down` left: each held session's waiting messages are answered,
   * oldest first. A session that cannot be (gone from the store, its adapter no longer configured)
   * stays held and in the record with the reason; a fully restored record is removed.
   */
  async restore(store: SessionStore, runtime: TurnRuntime, configured: (adapter: string) => boolean): Promise<RestoreResult> {
    const found = readLastStop(this.path);
    const record = found && !("invalid" in found) ? found : null;
    const listed = new Map((record?.sessions ?? []).map((s) => [s.key, s]));
    // Anything held that the record no longer names (an unreadable file) is released too.
    for (const key of runtime.held) if (!listed.has(key)) listed.set(key, { id: "", key, pendingInbound: 0, pendingOutbound: 0 });
    const restored: LastStopSession[] = [];
    const failed: LastStopSession[] = [];
    for (const s of listed.values()) {
      const stored = await store.session(s.key);
      const { error: _old, ...entry } = s;
      const error = !stored ? "the session is no longer stored" : !configured(stored.adapter) ? `adapter "${stored.adapter}" is not in the config` : null;
      if (error) failed.push({ ...entry, ...(stored ? { id: stored.id } : {}), error });
      else restored.push({ ...entry, id: stored!.id });
    }
    const queued = await runtime.release(restored.map((s) => s.key));
    if (failed.length > 0 && record) writeLastStop(this.path, { ...record, sessions: failed });
    else removeLastStop(this.path);
    if (listed.size > 0) this.log.info(`restored ${restored.length} session(s), ${queued} waiting message(s) queued${failed.length ? `; ${failed.length} could not be: ${failed.map((f) => `${f.key} (${f.error})`).join(", ")}` : ""}`);
    return { restored, failed, queued, found: found !== null };
  }

  /**
   * After the drain, with intake stopped: what is left unanswered or undelivered, for the next
   * start (nothing left: no record). A start that never reached running (`ran` false) takes its
   * stamp back instead: the next start must still ask, not mistake the stamp for a crash.
   */
  async record(store: SessionStore, ran: boolean, configured: (adapter: string) => boolean): Promise<void> {
    if (!ran) {
      if (this.#unstamped && readLastStop(this.path)) writeLastStop(this.path, this.#unstamped);
      return;
    }
    const record = await collectLastStop(store, this.clock.now(), configured);
    if (record.sessions.length === 0) removeLastStop(this.path);
    else writeLastStop(this.path, record);
  }
}
