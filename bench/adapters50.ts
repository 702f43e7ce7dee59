import { freePorts, idleWindow, progress, summary } from "./lib.ts";
import { healthz, renderConfig, type AdapterSpec, type Sandbox } from "./sandbox.ts";

export interface Adapters50Figures {
  adapters: { webchat: number; webhook: number };
  startToReadyMs: { median: number; p90: number; runs: number };
  downMs: { median: number; p90: number; runs: number };
  idleWindowSec: number;
  idleRssMb: number;
  idleCpuPercent: number;
  /** Adapters answering GET /healthz 200 after the idle window. */
  healthzOk: number;
}

/** Every adapter listed, and listed as running. */
function checkAllRunning(sb: Sandbox, total: number): void {
  const rows = sb.adapters();
  const notRunning = rows.filter((r) => r.state !== "running");
  if (rows.length !== total || notRunning.length) {
    throw new Error(`expected ${total} running adapters, adapters --json lists ${rows.length}, not running: ${JSON.stringify(notRunning)}`);
  }
}

/**
 * A gateway with `each` webchat and `each` webhook adapters on their own ports: `starts` timed
 * `up --detach` / `down` cycles, then one more start followed by the idle window.
 */
export async function benchAdapters50(sb: Sandbox, each: number, starts: number, idleMs: number): Promise<Adapters50Figures> {
  const ports = await freePorts(each * 2);
  const adapters = new Map<string, AdapterSpec>();
  const pad = (i: number) => String(i + 1).padStart(2, "0");
  for (let i = 0; i < each; i++) adapters.set(`wc${pad(i)}`, { kind: "webchat", port: ports[i]! });
  for (let i = 0; i < each; i++) adapters.set(`wh${pad(i)}`, { kind: "webhook", port: ports[each + i]!, secret: `bench-secret-${pad(i)}-0123456789` });
  sb.writeConfig(renderConfig(adapters));
  const total = adapters.size;

  progress(`adapters50: up --detach / down x${starts} with ${total} adapters`);
  const startTimes: number[] = [];
  const downTimes: number[] = [];
  for (let i = 0; i < starts; i++) {
    startTimes.push(sb.up().ms);
    // Checked outside the timed call: `up` returning means every adapter had its first start.
    checkAllRunning(sb, total);
    downTimes.push(sb.down());
  }

  progress(`adapters50: up, then ${idleMs / 1000} s idle`);
  const { pid } = sb.up();
  const idle = await idleWindow(pid, idleMs);
  checkAllRunning(sb, total);
  const ok = await Promise.all([...adapters.values()].map((a) => healthz(a.port, 2_000)));
  sb.down();
  return {
    adapters: { webchat: each, webhook: each },
    startToReadyMs: summary(startTimes),
    downMs: summary(downTimes),
    idleWindowSec: idleMs / 1000,
    idleRssMb: idle.rssMb,
    idleCpuPercent: idle.cpuPercent,
    healthzOk: ok.filter(Boolean).length,
  };
}
