import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola";
import { openDatabase } from "../../src/core/db.ts";
import { lastStopVerdict, readLastStop, writeLastStop } from "../../src/core/sessions/last-stop.ts";
import { SqliteSessionStore } from "../../src/core/sessions/sqlite-store.ts";
import { StopRecord } from "../../src/core/sessions/stop-record.ts";
import { systemClock } from "../../src/core/util/clock.ts";

test("a start that never reached running takes back its stamp: the next start still holds, it does not take the stamp for a crash", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bosun-stoprec-"));
  try {
    const path = join(dir, "last-stop.json");
    writeLastStop(path, { stoppedAt: "2026-12-01T10:00:00.000Z", sessions: [{ id: "0123456789abcdef", key: "hooks:c1", pendingInbound: 2, pendingOutbound: 0 }] });
    const log = createConsola({ level: -999 });
    const store = new SqliteSessionStore(openDatabase(":memory:"));

    // A start that fails after holding: the record was stamped, the stop takes the stamp back.
    const failed = new StopRecord(path, systemClock, log);
    expect(failed.holdAtStart("2026-12-01T11:00:00.000Z", false)).toEqual(["hooks:c1"]);
    expect(JSON.parse(readFileSync(path, "utf8")).heldSince).toBe("2026-12-01T11:00:00.000Z");
    await failed.record(store, false, () => true);
    expect(lastStopVerdict(readLastStop(path)).kind).toBe("hold");

    // The next start holds the same sessions again.
    const next = new StopRecord(path, systemClock, log);
    expect(next.holdAtStart("2026-12-01T12:00:00.000Z", false)).toEqual(["hooks:c1"]);

    // A run that reached running and then died (no stop): its stamp means a crash.
    expect(lastStopVerdict(readLastStop(path)).kind).toBe("crashed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
