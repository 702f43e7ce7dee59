// Benchmarks of the built binary: prints one JSON object on stdout, progress on stderr.
// Usage: bun run bench/run.ts [--quick]   (assumes dist/bosun is built; `bun run bench` builds first)
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { arch, cpus, release, tmpdir, type } from "node:os";
import { join, resolve } from "node:path";
import { clockTicks, cpuTicks, freePort, mustRun, progress, round, rssMb, sleep, summary, timedRun } from "./lib.ts";
import { benchWebchat } from "./webchat.ts";

const BIN = resolve(import.meta.dir, "../dist/bosun");
const quick = process.argv.includes("--quick");
const N = quick
  ? { cli: 5, starts: 3, idleMs: 2_000, messages: 200, conversations: 10, each: 20 }
  : { cli: 30, starts: 5, idleMs: 10_000, messages: 1_000, conversations: 10, each: 100 };

if (!existsSync(BIN)) {
  process.stderr.write(`bench: ${BIN} is missing; build it first with \`bun run build.ts\` (or run \`bun run bench\`)\n`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "bosun-bench-"));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: dir,
  BOSUN_HOME: join(dir, "home"),
  XDG_CONFIG_HOME: join(dir, "xdg-config"),
  XDG_DATA_HOME: join(dir, "xdg-data"),
  OLLAMA_HOST: "127.0.0.1:9",
  NO_COLOR: "1",
};
const opts = { cwd: dir, env };
const port = await freePort();
const config = join(dir, "bosun.toml");
writeFileSync(config, `[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);

let daemonPid: number | null = null;

/** `bosun up --detach --json`; returns its wall ms and the daemon's pid. */
function up(): { ms: number; pid: number } {
  const r = mustRun(BIN, ["up", "--detach", "--json", "--config", config], opts);
  const msg = JSON.parse(r.stdout) as { ready?: boolean; pid?: number };
  if (!msg.ready || typeof msg.pid !== "number") throw new Error(`unexpected \`up --detach --json\` output: ${r.stdout}`);
  daemonPid = msg.pid;
  return { ms: r.ms, pid: msg.pid };
}

function down(): void {
  mustRun(BIN, ["down"], opts);
  daemonPid = null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const version = mustRun(BIN, ["--version"], opts).stdout.trim();
  progress(`${version}, ${quick ? "quick" : "full"} run, sandbox ${dir}`);

  progress(`--version x${N.cli}`);
  const versionTimes = Array.from({ length: N.cli }, () => mustRun(BIN, ["--version"], opts).ms);

  progress(`up --detach / down x${N.starts}`);
  const startTimes: number[] = [];
  for (let i = 0; i < N.starts; i++) {
    startTimes.push(up().ms);
    down();
  }

  progress(`up, then ${N.idleMs / 1000} s idle`);
  const { pid } = up();
  const hz = clockTicks();
  const ticks0 = cpuTicks(pid);
  const t0 = performance.now();
  await sleep(N.idleMs);
  const idleCpuPercent = round((((cpuTicks(pid) - ticks0) / hz) * 1000 * 100) / (performance.now() - t0));
  const idleRssMb = round(rssMb(pid));

  progress(`status --json x${N.cli}`);
  const statusTimes: number[] = [];
  for (let i = 0; i < N.cli; i++) {
    const r = mustRun(BIN, ["status", "--json"], opts);
    const st = JSON.parse(r.stdout) as { gateway?: { state?: string } };
    if (st.gateway?.state !== "running") throw new Error(`status says the gateway is not running: ${r.stdout}`);
    statusTimes.push(r.ms);
  }

  progress(`webchat: ${N.messages} sequential, then ${N.conversations}x${N.each} concurrent`);
  const webchat = await benchWebchat(port, N.messages, N.conversations, N.each);
  const rssAfterWebchatMb = round(rssMb(pid));

  down();
  return {
    bosunVersion: version,
    mode: quick ? "quick" : "full",
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", bunVersion: Bun.version, os: `${type()} ${release()} ${arch()}` },
    binarySizeMb: round(statSync(BIN).size / 1024 / 1024),
    versionMs: summary(versionTimes),
    statusMs: summary(statusTimes),
    startToReadyMs: summary(startTimes),
    idleWindowSec: N.idleMs / 1000,
    idleRssMb,
    idleCpuPercent,
    webchat,
    rssAfterWebchatMb,
  };
}

let exitCode = 0;
try {
  process.stdout.write(`${JSON.stringify(await main(), null, 2)}\n`);
} catch (e) {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.stderr.write(`bench: sandbox kept for inspection: ${dir} (log: ${join(env.BOSUN_HOME!, "logs", "bosun.log")})\n`);
  exitCode = 1;
} finally {
  if (daemonPid !== null) {
    const pid = daemonPid;
    const r = timedRun(BIN, ["down"], opts);
    // Last resort, only for the daemon this run started: never leave it behind.
    if (r.code !== 0 && alive(pid)) process.kill(pid, "SIGTERM");
  }
  if (exitCode === 0) rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
