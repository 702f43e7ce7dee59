import { afterAll, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive, processStartTicks } from "../../src/core/util/process.ts";
import { makeRunDir, sweepRunDirs } from "../../src/core/voice/leftovers.ts";
import { waitUntil } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "bosun-leftovers-"));
const kids: number[] = [];
afterAll(() => {
  for (const pid of kids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

test("only run dirs of a dead owner go, and only our whisper-cli working in one is killed", async () => {
  const root = join(dir, "run", "whisper");
  const bin = join(dir, "bin", "whisper-cli");
  mkdirSync(join(dir, "bin"));
  // A program that runs until killed, given a file: tail -f, copied to where the sidecar is extracted.
  copyFileSync("/usr/bin/tail", bin);
  // A live owner (another process), a dead one (a child that has exited), and this process.
  const live = spawn("sleep", ["60"]);
  kids.push(live.pid!);
  const deadPid = spawnSync("true").pid!;
  const liveDir = join(root, `${live.pid}-${processStartTicks(live.pid!)}-aaaaaa`);
  const deadDir = join(root, `${deadPid}-123-bbbbbb`);
  const reused = join(root, `${live.pid}-1-cccccc`); // the live pid, another start time: its owner is gone
  const mine = makeRunDir(root);
  // A previous run with our pid (the gateway as PID 1 in a container), crashed: another start time.
  const ownPidBefore = join(root, `${process.pid}-1-dddddd`);
  for (const d of [liveDir, deadDir, reused, ownPidBefore]) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "audio.wav"), "x");
  }
  mkdirSync(join(root, "not-a-run-dir"));
  // whisper-cli (our binary) in the dead dir and in the live one; another program in the dead one.
  const orphan = spawn(bin, ["-f", `${deadDir}/audio.wav`]);
  const working = spawn(bin, ["-f", `${liveDir}/audio.wav`]);
  const stranger = spawn("tail", ["-f", `${deadDir}/audio.wav`]);
  kids.push(orphan.pid!, working.pid!, stranger.pid!);
  await waitUntil(() => [orphan, working, stranger].every((c) => processAlive(c.pid!, null)), "the children to start", 5_000, 10);

  expect(sweepRunDirs(root, bin)).toEqual({ dirs: 3, processes: 1 });
  await waitUntil(() => !processAlive(orphan.pid!, null), "the orphan to die", 5_000, 10);
  expect(processAlive(working.pid!, null)).toBe(true);
  expect(processAlive(stranger.pid!, null)).toBe(true);
  expect(existsSync(deadDir)).toBe(false);
  expect(existsSync(reused)).toBe(false);
  expect(existsSync(ownPidBefore)).toBe(false);
  expect(existsSync(liveDir)).toBe(true);
  expect(existsSync(mine)).toBe(true);
  expect(existsSync(join(root, "not-a-run-dir"))).toBe(true);
  // A root that does not exist yet is nothing to sweep.
  expect(sweepRunDirs(join(dir, "nowhere"), bin)).toEqual({ dirs: 0, processes: 0 });
});
