import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentHash, watchConfig, type WatchHandle } from "../../src/core/config/watch.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { waitUntil } from "../helpers/wait.ts";

let handle: WatchHandle | undefined;
let dir: string | undefined;
afterEach(() => {
  handle?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
  handle = dir = undefined;
});

describe("config watch", () => {
  test("a save is read once the debounce has passed on the injected clock, and a later save restarts the wait", async () => {
    dir = mkdtempSync(join(tmpdir(), "bosun-watch-"));
    const path = join(dir, "bosun.toml");
    writeFileSync(path, "a = 1\n");
    const clock = new FakeClock();
    const seen: string[] = [];
    handle = watchConfig(path, { debounceMs: 300, clock, initialHash: contentHash("a = 1\n"), onChange: (text) => seen.push(text) });

    writeFileSync(path, "a = 2\n");
    // The file event is real; once it arrived the debounce waits on the fake clock alone.
    await waitUntil(() => clock.pending === 1, "the watcher to schedule its debounce");
    await clock.advance(299);
    expect(seen).toEqual([]);

    const scheduled = clock.scheduled;
    writeFileSync(path, "a = 3\n");
    // The event restarts the quiet period: the first timer is cancelled, a new one is pending.
    await waitUntil(() => clock.scheduled > scheduled, "the second save's event");
    expect(clock.pending).toBe(1);
    await clock.advance(299);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual(["a = 3\n"]);
    expect(clock.pending).toBe(0);

    handle.dispose();
    handle = undefined;
  });
});
