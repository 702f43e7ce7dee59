// Channel figures (issue 13): the gateway's idle RSS and CPU, and its start to ready, with one
// adapter of each kind connected to its local protocol server (bench/channel-servers.ts, its own
// process), against no adapter, one webchat, and discord + slack + email at once.
import { resolve } from "node:path";
import { freePort, idleWindow, progress, round, summary } from "./lib.ts";
import { until, type Sandbox } from "./sandbox.ts";

const SERVERS = resolve(import.meta.dir, "channel-servers.ts");

interface ServerInfo {
  discord: { token: string; apiRoot: string; heartbeatIntervalMs: number };
  slack: { appToken: string; botToken: string; url: string };
  email: { imap: string; smtp: string; username: string; password: string };
}

/** bench/channel-servers.ts in its own process: what a config needs, and a stop that returns its counters. */
async function startServers(): Promise<{ info: ServerInfo; stop: () => Promise<unknown> }> {
  const proc = Bun.spawn([process.execPath, SERVERS], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const line = async () => {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the channel servers exited (code ${await proc.exited})`);
      text += decoder.decode(value);
    }
    const [first, ...rest] = text.split("\n");
    text = rest.join("\n");
    return first!.trim();
  };
  const deadline = setTimeout(() => proc.kill(), 30_000);
  const info = JSON.parse(await line().finally(() => clearTimeout(deadline))) as ServerInfo;
  return {
    info,
    stop: async () => {
      proc.kill("SIGTERM");
      const counters = await line().catch(() => "null");
      await proc.exited;
      return JSON.parse(counters) as unknown;
    },
  };
}

/** The adapter tables of one row, by kind. Supervision keys are left at their defaults: that is what users run. */
function table(kind: string, s: ServerInfo, webPort: number): string {
  switch (kind) {
    case "webchat":
      return `[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${webPort}"\n`;
    case "discord":
      return `[adapters.team]\nkind = "discord"\ntoken = "${s.discord.token}"\napi_root = "${s.discord.apiRoot}"\n`;
    case "slack":
      return `[adapters.work]\nkind = "slack"\napp_token = "${s.slack.appToken}"\nbot_token = "${s.slack.botToken}"\napi_root = "${s.slack.url}"\n`;
    case "email":
      return (
        `[adapters.mail]\nkind = "email"\nimap = "${s.email.imap}"\nimap_tls = false\nsmtp = "${s.email.smtp}"\nsmtp_tls = "none"\n` +
        `username = "${s.email.username}"\npassword = "${s.email.password}"\nfrom = "Bosun <${s.email.username}>"\nallow_from = ["example.test"]\n`
      );
    default:
      throw new Error(`no table for ${kind}`);
  }
}

const ROWS: Array<{ name: string; kinds: string[] }> = [
  { name: "none", kinds: [] },
  { name: "webchat", kinds: ["webchat"] },
  { name: "discord", kinds: ["discord"] },
  { name: "slack", kinds: ["slack"] },
  { name: "email", kinds: ["email"] },
  { name: "discordSlackEmail", kinds: ["discord", "slack", "email"] },
];

/** Poll `adapters --json` until `count` adapters are listed, all `running`. */
async function allRunning(sb: Sandbox, count: number): Promise<void> {
  let last = "";
  await until(
    `${count} adapters running (last: ${last})`,
    () => {
      const rows = sb.adapters();
      last = rows.map((r) => `${r.name} ${r.state}${r.lastError ? ` (${r.lastError})` : ""}`).join(", ");
      return rows.length === count && rows.every((r) => r.state === "running");
    },
    30_000,
    0,
  );
}

/**
 * Each row in turn, all in one sandbox (one home, so the email adapter's state file and the
 * Discord session carry over as they would for a user): `starts` cycles of up, until every adapter
 * is `running`, down; then up, `running`, the idle window, and a check that nothing restarted.
 */
export async function benchChannels(sb: Sandbox, starts: number, idleMs: number) {
  progress("channels: starting Discord, Slack, Dovecot and SMTP servers");
  const servers = await startServers();
  try {
    const webPort = await freePort();
    const rows: Record<string, unknown> = {};
    for (const row of ROWS) {
      const tables = row.kinds.map((k) => table(k, servers.info, webPort));
      sb.writeConfig(`[agent]\nprovider = "echo"\n\n${tables.join("\n")}`);
      progress(`channels ${row.name}: up / running / down x${starts}`);
      const upMs: number[] = [];
      const runningMs: number[] = [];
      for (let i = 0; i < starts; i++) {
        const t0 = performance.now();
        upMs.push(sb.up().ms);
        await allRunning(sb, row.kinds.length);
        runningMs.push(performance.now() - t0);
        sb.down();
      }
      progress(`channels ${row.name}: up, then ${idleMs / 1000} s idle`);
      const { pid } = sb.up();
      await allRunning(sb, row.kinds.length);
      const idle = await idleWindow(pid, idleMs);
      const after = sb.adapters();
      const restarted = after.filter((r) => r.state !== "running" || r.restarts !== 0);
      if (restarted.length) throw new Error(`${row.name}: adapters left running or restarted during the idle window: ${JSON.stringify(restarted)}`);
      sb.down();
      rows[row.name] = { kinds: row.kinds, upMs: summary(upMs), untilRunningMs: summary(runningMs), idleRssMb: idle.rssMb, idleCpuPercent: idle.cpuPercent };
    }
    const serverCounters = await servers.stop();
    return { idleWindowSec: idleMs / 1000, discordHeartbeatIntervalMs: servers.info.discord.heartbeatIntervalMs, rows, serverCounters };
  } finally {
    await servers.stop().catch(() => {});
  }
}
