import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attachedSource } from "../../src/cli/attached-source.ts";
import { parseConfig } from "../../src/core/config/load.ts";
import { ControlClient } from "../../src/core/control/client.ts";
import type { BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { pathsFor } from "../../src/core/paths.ts";
import { freePort } from "../helpers/bosun.ts";
import { waitUntil } from "./helpers.ts";

async function gatewayOn(home: string): Promise<Gateway> {
  const loaded = parseConfig(`[agent]\nprovider = "echo"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${await freePort()}"\n`, "t.toml", {});
  const g = new Gateway({ home, loaded, env: {}, version: "test" });
  await g.start();
  return g;
}

describe("attached source", () => {
  test("follows a real gateway, notices it stop, backs off while it is gone, and reattaches to the next one", async () => {
    const home = mkdtempSync(join(tmpdir(), "bosun-attach-"));
    const paths = pathsFor(home);
    let g = await gatewayOn(home);
    const waits: number[] = [];
    const source = attachedSource(() => ControlClient.connect(paths), {
      retryMs: 5,
      maxRetryMs: 40,
      sleep: (ms, signal) => {
        waits.push(ms);
        return new Promise((r) => {
          const t = setTimeout(r, ms);
          signal.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
        });
      },
    });
    const events: BosunEvent[] = [];
    const connection: boolean[] = [];
    const off = source.subscribe(
      (e) => events.push(e),
      (c) => connection.push(c),
    );
    try {
      await waitUntil(() => connection.includes(true), () => `never connected: ${connection}`);
      expect(events[0]!.type).toBe("snapshot");
      // The recent log arrives with the snapshot: the Logs pane is not empty on attach.
      expect(events.some((e) => e.type === "log" && e.message.startsWith("gateway ready"))).toBe(true);

      await g.stop();
      await waitUntil(() => connection.at(-1) === false, () => `never noticed the stop: ${connection}`);
      // While nothing runs, tries back off: doubling up to the cap, not a hot loop.
      await waitUntil(() => waits.filter((w) => w === 40).length >= 2, () => `waits: ${waits}`);
      expect(waits.slice(0, 4)).toEqual([5, 10, 20, 40]);

      const before = events.length;
      g = await gatewayOn(home);
      await waitUntil(() => connection.at(-1) === true, () => `never reattached: ${connection}`);
      expect(events[before]?.type === "snapshot" || events.slice(before).some((e) => e.type === "snapshot")).toBe(true);
      // Reattached, the backoff starts over from the first wait.
      const n = waits.length;
      await g.stop();
      await waitUntil(() => waits.length > n, () => "no retry after the second stop");
      expect(waits[n]).toBe(5);
    } finally {
      off();
      await g.stop();
    }
  });
});
