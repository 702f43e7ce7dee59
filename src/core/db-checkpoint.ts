import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "./util/clock.ts";

/** How often the background thread copies the write-ahead log into the database. */
const CHECKPOINT_EVERY_MS = 1_000;

// The checkpointing thread: its own connection to the file. A PASSIVE checkpoint never waits for
// the gateway's writers; when the log has grown large anyway (writes never paused), a RESTART
// checkpoint waits briefly for them so the log starts over instead of growing without bound.
const WORKER_SOURCE = `
import { DatabaseSync } from "node:sqlite";
let db = null;
self.onmessage = (e) => {
  const m = e.data;
  try {
    if (m.t === "open") {
      db = new DatabaseSync(m.path);
      db.exec("PRAGMA busy_timeout = 200");
      db.exec("PRAGMA wal_autocheckpoint = 0");
      return;
    }
    if (m.t === "close") {
      db?.close();
      db = null;
      self.postMessage({ t: "closed" });
      return;
    }
    if (m.t === "c" && db) {
      const r = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
      if (r && r.log > ${20_000} && r.checkpointed >= r.log) db.prepare("PRAGMA wal_checkpoint(RESTART)").get();
    }
  } catch (err) {
    self.postMessage({ t: "error", message: String(err && err.message || err) });
  }
};
`;

let workerUrl: string | null = null;

/**
 * Move the write-ahead log's checkpoints off the gateway's thread. SQLite runs one inside the
 * commit that crosses 1,000 log pages; with a few pages per message that is every few dozen
 * turns, each time a copy and an fsync (~3 ms) in that turn's path. Here the connection stops
 * checkpointing and a worker with its own connection does it every second. Without workers (or
 * when one cannot start) the connection keeps SQLite's automatic checkpoints. Returns the stop
 * function (it waits for the worker to close its connection).
 */
export function checkpointInBackground(db: DatabaseSync, path: string, clock: Clock, onError: (message: string) => void): () => Promise<void> {
  if (path === ":memory:" || typeof Worker === "undefined") return async () => {};
  let worker: Worker;
  try {
    workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
    worker = new Worker(workerUrl, { type: "module" });
  } catch {
    return async () => {};
  }
  let closed: (() => void) | null = null;
  worker.onmessage = (e: MessageEvent<{ t: string; message?: string }>) => {
    if (e.data.t === "error") onError(e.data.message ?? "checkpoint failed");
    if (e.data.t === "closed") closed?.();
  };
  worker.onerror = (e) => onError(e instanceof ErrorEvent ? e.message : "checkpoint worker failed");
  worker.postMessage({ t: "open", path });
  db.exec("PRAGMA wal_autocheckpoint = 0");
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    worker.postMessage({ t: "c" });
    cancel = clock.after(CHECKPOINT_EVERY_MS, tick);
  };
  let cancel = clock.after(CHECKPOINT_EVERY_MS, tick);
  return async () => {
    if (stopped) return;
    stopped = true;
    cancel();
    const done = new Promise<void>((r) => (closed = r));
    worker.postMessage({ t: "close" });
    const deadline = new AbortController();
    await Promise.race([done, clock.sleep(2_000, deadline.signal)]);
    deadline.abort();
    worker.terminate();
    // What is left in the log is checkpointed by the last connection to close (the gateway's).
    db.exec("PRAGMA wal_autocheckpoint = 1000");
  };
}
