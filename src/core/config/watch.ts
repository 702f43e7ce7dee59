import { createHash } from "node:crypto";
import { watch, readFileSync, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { systemClock, type Clock } from "../util/clock.ts";

/** A running watcher; disposing it stops it for good. */
export interface WatchHandle {
  dispose(): void;
}

export interface WatchOptions {
  /** Quiet period after the last change before reading (semantics §2: 300 ms). */
  debounceMs: number;
  /** Called with the new text when its content hash differs from the last one seen. */
  onChange(text: string, hash: string): void;
  /** Called when the file can't be read (deleted mid-edit, permissions). */
  onError?(err: unknown): void;
  /** Hash of the content already applied, so an unchanged save is skipped. */
  initialHash?: string;
  /** Schedules the debounce (the gateway's clock; the real one by default). */
  clock?: Clock;
}

/** sha256 hex of a config text. */
export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Watch one config file. The directory is watched, not the file: editors save by writing a
 * new file and renaming it over the old one, which a watch on the old inode would miss.
 */
export function watchConfig(path: string, opts: WatchOptions): WatchHandle {
  const name = basename(path);
  let lastHash = opts.initialHash ?? "";
  const clock = opts.clock ?? systemClock;
  let cancel: (() => void) | undefined;
  let disposed = false;
  const fire = () => {
    cancel = undefined;
    if (disposed) return;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      opts.onError?.(err);
      return;
    }
    const hash = contentHash(text);
    if (hash === lastHash) return;
    lastHash = hash;
    opts.onChange(text, hash);
  };
  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, file) => {
    if (disposed || (file !== null && file !== undefined && String(file) !== name)) return;
    cancel?.();
    cancel = clock.after(opts.debounceMs, fire);
  });
  watcher.on("error", (err) => opts.onError?.(err));
  return {
    dispose() {
      disposed = true;
      cancel?.();
      watcher.close();
    },
  };
}
