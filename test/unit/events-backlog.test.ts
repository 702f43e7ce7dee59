import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { ControlClient } from "../../src/core/control/client.ts";
import { EventBus, type BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { freePort } from "../helpers/bosun.ts";

describe("recent log records for late subscribers", () => {
  test("the bus keeps the newest records up to its cap, oldest first", () => {
    const bus = new EventBus({ now: () => 0 }, 3);
    for (let i = 1; i <= 5; i++) bus.emit({ type: "log", level: "info", tag: "t", message: `line ${i}` });
    bus.emit({ type: "config.reloaded", configPath: null });
    expect(bus.recentLogs().map((l) => l.message)).toEqual(["line 3", "line 4", "line 5"]);
  });

  test("/v1/events sends the snapshot, then the log so far (redacted), then live records", async () => {
    const home = mkdtempSync(join(tmpdir(), "bosun-backlog-"));
    const secret = "sk-backlog-secret-123456";
    const port = await freePort();
    const loaded = parseConfig(
      `[agent]\nprovider = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\napi_key = "\${KEY}"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`,
      "t.toml",
      { KEY: secret },
    );
    const g = new Gateway({ home, loaded, env: { KEY: secret }, version: "test" });
    await g.start();
    try {
      g.log.withTag("probe").warn(`earlier line with ${secret} in it`);
      const seen: BosunEvent[] = [];
      const ac = new AbortController();
      let live!: () => void;
      const gotLive = new Promise<void>((r) => (live = r));
      const streaming = ControlClient.connect(g.paths).events((e) => {
        seen.push(e);
        if (e.type === "snapshot") queueMicrotask(() => g.log.info("a live line"));
        if (e.type === "log" && e.message === "a live line") live();
      }, ac.signal);
      await gotLive;
      ac.abort();
      await streaming;
      expect(seen[0]!.type).toBe("snapshot");
      const logs = seen.filter((e): e is Extract<BosunEvent, { type: "log" }> => e.type === "log");
      // The gateway's own start-up lines come first, in order, before anything live.
      expect(logs.some((l) => l.message.startsWith("gateway ready"))).toBe(true);
      const earlier = logs.findIndex((l) => l.tag === "probe");
      expect(logs[earlier]!.message).toBe("earlier line with [redacted] in it");
      expect(earlier).toBeLessThan(logs.findIndex((l) => l.message === "a live line"));
      expect(JSON.stringify(seen)).not.toContain(secret);
    } finally {
      await g.stop();
    }
  });
});
