import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mustRun, sleep, timedRun } from "./lib.ts";

/** One adapter table of a generated bosun.toml. */
export type AdapterSpec = { kind: "webchat"; port: number } | { kind: "webhook"; port: number; secret: string };

/** The fields of `adapters --json` the benchmarks look at. */
export interface AdapterRow {
  name: string;
  kind: string;
  state: string;
  restarts: number;
  since: string;
  lastError: string | null;
  fingerprint?: string;
}

/** A bosun.toml with the echo provider, optional [gateway] keys and the given adapters, in order. */
export function renderConfig(adapters: Map<string, AdapterSpec>, gateway: Record<string, number> = {}): string {
  const out = ['[agent]\nprovider = "echo"\n'];
  const keys = Object.entries(gateway);
  if (keys.length) out.push(`[gateway]\n${keys.map(([k, v]) => `${k} = ${v}`).join("\n")}\n`);
  for (const [name, a] of adapters) {
    const secret = a.kind === "webhook" ? `secret = "${a.secret}"\n` : "";
    out.push(`[adapters.${name}]\nkind = "${a.kind}"\nlisten = "127.0.0.1:${a.port}"\n${secret}`);
  }
  return out.join("\n");
}

/**
 * A fresh temp dir used as HOME and BOSUN_HOME for one gateway, with its bosun.toml and the pid
 * of the daemon it started (so a failed run can still stop exactly that daemon).
 */
export class Sandbox {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly opts: { cwd: string; env: Record<string, string> };
  readonly config: string;
  readonly logFile: string;
  pid: number | null = null;

  constructor(
    private bin: string,
    label: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `bosun-bench-${label}-`));
    this.env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: this.dir,
      BOSUN_HOME: join(this.dir, "home"),
      XDG_CONFIG_HOME: join(this.dir, "xdg-config"),
      XDG_DATA_HOME: join(this.dir, "xdg-data"),
      OLLAMA_HOST: "127.0.0.1:9",
      NO_COLOR: "1",
    };
    this.opts = { cwd: this.dir, env: this.env };
    this.config = join(this.dir, "bosun.toml");
    this.logFile = join(this.env.BOSUN_HOME!, "logs", "bosun.log");
  }

  /** Replace bosun.toml the way editors save: write a sibling file, then rename it over. */
  writeConfig(text: string): void {
    const tmp = `${this.config}.bench-tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, this.config);
  }

  /** `bosun up --detach --json`; returns its wall ms and the daemon's pid. */
  up(): { ms: number; pid: number } {
    const r = mustRun(this.bin, ["up", "--detach", "--json", "--config", this.config], this.opts);
    const msg = JSON.parse(r.stdout) as { ready?: boolean; pid?: number };
    if (!msg.ready || typeof msg.pid !== "number") throw new Error(`unexpected \`up --detach --json\` output: ${r.stdout}`);
    this.pid = msg.pid;
    return { ms: r.ms, pid: msg.pid };
  }

  /** `bosun down`; returns its wall ms. */
  down(): number {
    const ms = mustRun(this.bin, ["down"], this.opts).ms;
    this.pid = null;
    return ms;
  }

  /** `bosun adapters --json`. */
  adapters(): AdapterRow[] {
    return JSON.parse(mustRun(this.bin, ["adapters", "--json"], this.opts).stdout) as AdapterRow[];
  }

  /** Messages of the JSON-lines log (all levels), oldest first. */
  logMessages(): string[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        try {
          return String((JSON.parse(l) as { message?: unknown }).message ?? "");
        } catch {
          return l;
        }
      });
  }

  /** Stop the daemon this sandbox started, if it is still up: `down`, SIGTERM to its pid as a last resort. */
  stop(): void {
    if (this.pid === null) return;
    const pid = this.pid;
    const r = timedRun(this.bin, ["down"], this.opts);
    if (r.code !== 0 && alive(pid)) process.kill(pid, "SIGTERM");
    this.pid = null;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when GET http://127.0.0.1:PORT/healthz answers 200 within `timeoutMs`. */
export async function healthz(port: number, timeoutMs = 1_000): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

/** True when a fresh TCP connection to 127.0.0.1:PORT is accepted (a pooled keep-alive one can outlive its server). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), res(true)));
    s.once("error", () => (s.destroy(), res(false)));
  });
}

/** Poll `check` every `everyMs` until it is true; throws `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 2): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
