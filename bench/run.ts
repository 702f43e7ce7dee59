// Benchmarks of the built binary: prints one JSON object on stdout, progress on stderr.
// Usage: bun run bench/run.ts [--quick] [--only base,reconcile,adapters50,webhook,install,turns,sessions,integrations,channels,voice]
// (assumes dist/bosun is built; `bun run bench` builds first)
import { existsSync, statSync } from "node:fs";
import { arch, cpus, release, type } from "node:os";
import { resolve } from "node:path";
import { benchAdapters50 } from "./adapters50.ts";
import { benchChannels } from "./channels.ts";
import { benchInstall } from "./install.ts";
import { benchListing, benchToolCall } from "./integrations.ts";
import { freePort, idleWindow, mustRun, progress, round, rssMb, summary } from "./lib.ts";
import { benchReconcile } from "./reconcile.ts";
import { benchSessions } from "./sessions.ts";
import { benchTurnOverhead } from "./turn-overhead.ts";
import { benchRecovery, benchRss, benchTurnThroughput } from "./turns.ts";
import { renderConfig, Sandbox } from "./sandbox.ts";
import { benchWebchat } from "./webchat.ts";
import { benchVoice } from "./voice.ts";
import { benchWebhook } from "./webhook.ts";

const BIN = resolve(import.meta.dir, "../dist/bosun");
const SECTIONS = ["base", "reconcile", "adapters50", "webhook", "install", "turns", "sessions", "integrations", "channels", "voice"] as const;
type Section = (typeof SECTIONS)[number];

const quick = process.argv.includes("--quick");
const N = quick
  ? { cli: 5, starts: 3, idleMs: 2_000, messages: 200, conversations: 10, each: 20, edits: 3, starts50: 2, hookSeq: 300, hookPar: 800, installMiB: 256, installRuns: 1, turns: 1_000, turnLoad: 500, pending: 200, rssSessions: 1_000, sessions: 10_000, sessionRuns: 10, bigSession: 2_000, toolTurns: 100, toolWarmup: 20, toolSources: 5, listRuns: 3, voiceRuns: 1, voiceNotes: 1 }
  : { cli: 30, starts: 5, idleMs: 10_000, messages: 1_000, conversations: 10, each: 100, edits: 10, starts50: 3, hookSeq: 2_000, hookPar: 5_000, installMiB: 1_024, installRuns: 5, turns: 5_000, turnLoad: 5_000, pending: 1_000, rssSessions: 10_000, sessions: 100_000, sessionRuns: 30, bigSession: 10_000, toolTurns: 1_000, toolWarmup: 50, toolSources: 20, listRuns: 10, voiceRuns: 3, voiceNotes: 3 };

function onlyArg(): Section[] {
  const i = process.argv.findIndex((a) => a === "--only" || a.startsWith("--only="));
  if (i < 0) return [...SECTIONS];
  const a = process.argv[i]!;
  const names = (a.includes("=") ? a.slice(a.indexOf("=") + 1) : (process.argv[i + 1] ?? "")).split(",").filter(Boolean);
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length) {
    process.stderr.write(`bench: --only takes a comma-separated list of ${SECTIONS.join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}\n`);
    process.exit(2);
  }
  return SECTIONS.filter((s) => names.includes(s));
}
const only = onlyArg();

if (!existsSync(BIN)) {
  process.stderr.write(`bench: ${BIN} is missing; build it first with \`bun run build.ts\` (or run \`bun run bench\`)\n`);
  process.exit(2);
}

/** The original figures: CLI latency, start-up, idle cost and webchat load with one webchat adapter. */
async function base(sb: Sandbox) {
  const port = await freePort();
  sb.writeConfig(renderConfig(new Map([["web", { kind: "webchat" as const, port }]])));

  progress(`--version x${N.cli}`);
  const versionTimes = Array.from({ length: N.cli }, () => mustRun(BIN, ["--version"], sb.opts).ms);

  progress(`up --detach / down x${N.starts}`);
  const startTimes: number[] = [];
  for (let i = 0; i < N.starts; i++) {
    startTimes.push(sb.up().ms);
    sb.down();
  }

  progress(`up, then ${N.idleMs / 1000} s idle`);
  const { pid } = sb.up();
  const idle = await idleWindow(pid, N.idleMs);

  progress(`status --json x${N.cli}`);
  const statusTimes: number[] = [];
  for (let i = 0; i < N.cli; i++) {
    const r = mustRun(BIN, ["status", "--json"], sb.opts);
    const st = JSON.parse(r.stdout) as { gateway?: { state?: string } };
    if (st.gateway?.state !== "running") throw new Error(`status says the gateway is not running: ${r.stdout}`);
    statusTimes.push(r.ms);
  }

  progress(`webchat: ${N.messages} sequential, then ${N.conversations}x${N.each} concurrent`);
  const webchat = await benchWebchat(port, N.messages, N.conversations, N.each);
  const rssAfterWebchatMb = round(rssMb(pid));

  sb.down();
  return {
    versionMs: summary(versionTimes),
    statusMs: summary(statusTimes),
    startToReadyMs: summary(startTimes),
    idleWindowSec: N.idleMs / 1000,
    idleRssMb: idle.rssMb,
    idleCpuPercent: idle.cpuPercent,
    webchat,
    rssAfterWebchatMb,
  };
}

const sandboxes: Sandbox[] = [];
/** What went wrong, section by section; any entry makes the exit code 1. */
const problems: string[] = [];

/** Run one section in its own sandbox; a failure is recorded and the next section still runs. */
async function section<T>(name: Section, run: (sb: Sandbox) => Promise<T>): Promise<T | { error: string; sandbox: string }> {
  const sb = new Sandbox(BIN, name);
  sandboxes.push(sb);
  progress(`section ${name}, sandbox ${sb.dir}`);
  try {
    return await run(sb);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    problems.push(`${name}: ${error}`);
    progress(`section ${name} failed: ${error}\n[bench] sandbox kept for inspection: ${sb.dir} (log: ${sb.logFile})`);
    return { error, sandbox: sb.dir };
  } finally {
    sb.stop();
  }
}

async function main() {
  const version = mustRun(BIN, ["--version"], { cwd: process.cwd(), env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" } }).stdout.trim();
  progress(`${version}, ${quick ? "quick" : "full"} run, sections ${only.join(", ")}`);
  const result: Record<string, unknown> = {
    bosunVersion: version,
    mode: quick ? "quick" : "full",
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", bunVersion: Bun.version, os: `${type()} ${release()} ${arch()}` },
    binarySizeMb: round(statSync(BIN).size / 1024 / 1024),
  };
  if (only.includes("base")) {
    const r = await section("base", base);
    if ("error" in r) result.base = r;
    else Object.assign(result, r);
  }
  if (only.includes("reconcile")) result.reconcile = await section("reconcile", (sb) => benchReconcile(sb, 10, N.edits));
  if (only.includes("adapters50")) result.adapters50 = await section("adapters50", (sb) => benchAdapters50(sb, 25, N.starts50, N.idleMs));
  if (only.includes("webhook")) {
    const r = await section("webhook", (sb) => benchWebhook(sb, N.hookSeq, N.hookPar, 16));
    result.webhook = r;
    if (!("error" in r)) {
      for (const [k, f] of [["sequential", r.sequential], ["concurrent", r.concurrent]] as const) {
        if (f.errors) problems.push(`webhook.${k}: ${f.errors} of ${f.requests} requests failed, e.g. ${f.errorSamples?.[0]}`);
      }
    }
  }
  if (only.includes("install")) result.install = await section("install", (sb) => benchInstall(sb, BIN, N.installMiB, N.installRuns));
  if (only.includes("turns")) {
    progress(`turns: overhead in process, ${N.turns} sequential turns`);
    result.turns = {
      overhead: await benchTurnOverhead(N.turns, 500, 1_000),
      webhook: await section("turns", (sb) => benchTurnThroughput(sb, N.turnLoad, [1, 16, 64], 1_000)),
      recovery: await section("turns", (sb) => benchRecovery(sb, N.pending, 100)),
      rss: await section("turns", (sb) => benchRss(sb, N.rssSessions, 10)),
    };
  }
  if (only.includes("sessions")) result.sessions = await section("sessions", (sb) => benchSessions(sb, BIN, N.sessions, N.sessionRuns, N.bigSession));
  if (only.includes("integrations")) {
    result.integrations = {
      toolCall: await section("integrations", (sb) => benchToolCall(sb, BIN, N.toolTurns, N.toolWarmup)),
      listing: await section("integrations", (sb) => benchListing(sb, BIN, N.toolSources, 50, N.listRuns, N.idleMs)),
    };
  }
  if (only.includes("channels")) result.channels = await section("channels", (sb) => benchChannels(sb, N.starts50, N.idleMs));
  if (only.includes("voice")) result.voice = await section("voice", (sb) => benchVoice(sb, BIN, N.voiceRuns, N.idleMs, N.voiceNotes));
  if (problems.length) result.problems = problems;
  return result;
}

let exitCode = 0;
try {
  process.stdout.write(`${JSON.stringify(await main(), null, 2)}\n`);
  if (problems.length) exitCode = 1;
} catch (e) {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  exitCode = 1;
} finally {
  // Never leave a daemon behind; keep the sandboxes only when something went wrong.
  for (const sb of sandboxes) sb.stop();
  if (exitCode === 0) for (const sb of sandboxes) sb.remove();
  else progress(`sandboxes kept for inspection: ${sandboxes.map((s) => s.dir).join(", ")}`);
}
process.exit(exitCode);
