import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { pathsFor } from "../../src/core/paths.ts";
import { findCrash } from "../../src/core/stale-run.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

const DAY = 86_400_000;
/** A pid no process has (above Linux's pid_max). */
const GONE_PID = 2_147_483_000;

describe("the gateway's heartbeat", () => {
  test("an idle gateway marks its running record alive every heartbeat_ms, and stops marking on stop", async () => {
    const home = mkdtempSync(join(tmpdir(), "bosun-hb-"));
    const clock = new FakeClock(Date.now() + DAY);
    const loaded = parseConfig(`[agent]\nprovider = "echo"\n[gateway]\nheartbeat_ms = 30000\n`, "t.toml", {});
    const g = new Gateway({ home, loaded, env: {}, version: "test", clock });
    await g.start();
    const record = pathsFor(home).record;
    try {
      const written = statSync(record).mtimeMs;
      await clock.advance(29_000);
      expect(statSync(record).mtimeMs).toBe(written);
      for (let beat = 1; beat <= 3; beat++) {
        await clock.advance(beat === 1 ? 1_000 : 30_000);
        expect(statSync(record).mtimeMs).toBe(clock.now());
      }
    } finally {
      await g.stop();
    }
    expect(clock.pending).toBe(0);
  });

  test("a crash's time is the heartbeat, not the log's last write days before", () => {
    const home = mkdtempSync(join(tmpdir(), "bosun-hb-"));
    const paths = pathsFor(home);
    mkdirSync(paths.runDir, { recursive: true });
    mkdirSync(paths.logsDir, { recursive: true });
    const now = Date.now();
    const startedAt = new Date(now - 3 * DAY).toISOString();
    writeFileSync(paths.record, JSON.stringify({ pid: GONE_PID, startedAt }));
    writeFileSync(paths.log, JSON.stringify({ at: startedAt, level: "info", tag: "bosun", message: "gateway ready" }) + "\n");
    utimesSync(paths.log, (now - 3 * DAY) / 1000, (now - 3 * DAY) / 1000);
    const beat = now - 20_000;
    utimesSync(paths.record, beat / 1000, beat / 1000);
    const crash = findCrash(paths);
    expect(crash?.pid).toBe(GONE_PID);
    expect(Math.abs(Date.parse(crash!.lastAliveAt) - beat)).toBeLessThan(5);
    expect(crash!.lastLog?.message).toBe("gateway ready");
  });
});
