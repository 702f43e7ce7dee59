/**
 * What a killed gateway (kill -9, OOM, power loss mid-note) leaves of its transcriptions: the run
 * dirs holding a voice note's WAV, and a whisper-cli still running on one. A run dir is named after
 * its owner (pid and start time, so a reused pid is not mistaken for it), which makes "ours, and
 * its owner is gone" a fact, not a guess: only such dirs are removed, and only a whisper-cli that
 * is our extracted binary working inside one of them is killed. No other process is touched.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir } from "../util/fsx.ts";
import { ownStartTicks, processAlive } from "../util/process.ts";

const NAME = /^(\d+)-(\d*)-/;

/** A new private run dir under `root`, named after this process. */
export function makeRunDir(root: string): string {
  ensurePrivateDir(root);
  return mkdtempSync(join(root, `${process.pid}-${ownStartTicks ?? ""}-`));
}

/**
 * Remove the run dirs under `root` whose owner is gone, after killing any `bin` (the absolute
 * path the sidecar runs) still working in one. Returns how many dirs and processes went. Never
 * throws: a sweep that cannot read something leaves it.
 */
export function sweepRunDirs(root: string, bin: string): { dirs: number; processes: number } {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return { dirs: 0, processes: 0 };
  }
  const dead = names.filter((name) => {
    const m = NAME.exec(name);
    if (!m) return false;
    // Our own pid is no exception: where the gateway is PID 1 (a container), a crashed previous
    // run had the same pid, and only its start time tells its dirs from ours.
    return !processAlive(Number(m[1]), m[2] ? Number(m[2]) : null);
  });
  if (dead.length === 0) return { dirs: 0, processes: 0 };
  const prefixes = dead.map((name) => `${join(root, name)}/`);
  let processes = 0;
  for (const pid of orphans(bin, prefixes)) {
    try {
      process.kill(pid, "SIGKILL");
      processes++;
    } catch {
      // Gone already.
    }
  }
  let dirs = 0;
  for (const name of dead) {
    try {
      rmSync(join(root, name), { recursive: true, force: true });
      dirs++;
    } catch {
      // Left for the next sweep.
    }
  }
  return { dirs, processes };
}

/** Processes whose argv[0] is `bin` and one of whose arguments lies inside one of `prefixes` (Linux /proc; none elsewhere). */
function orphans(bin: string, prefixes: string[]): number[] {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const p of pids) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv[0] !== bin) continue;
    if (argv.some((a) => prefixes.some((pre) => a.startsWith(pre)))) out.push(Number(p));
  }
  return out;
}
