import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** One TCP socket held by a process, as /proc lists it. */
export interface ProcSocket {
  /** Local address as /proc writes it: hex address ":" hex port. */
  local: string;
  /** /proc state code: "0A" listening, "01" established. */
  state: string;
  v6: boolean;
}

/** The TCP sockets process `pid` holds (its fds' socket inodes matched against /proc/PID/net/tcp{,6}). */
export function tcpSockets(pid: number): ProcSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed meanwhile
    }
  }
  const out: ProcSocket[] = [];
  for (const file of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1] && cols[3] && inodes.has(cols[9] ?? "")) out.push({ local: cols[1], state: cols[3], v6: file === "tcp6" });
    }
  }
  return out;
}

/** Local addresses of the TCP sockets `pid` is listening on, e.g. ["127.0.0.1:7420"]. */
export function listeningAddresses(pid: number): string[] {
  return tcpSockets(pid)
    .filter((s) => s.state === "0A")
    .map((s) => decodeAddress(s.local, s.v6));
}

/** Established TCP connections that process `pid` holds on local port `port`. */
export function establishedConnections(pid: number, port: number): number {
  return tcpSockets(pid).filter((s) => s.state === "01" && parseInt(s.local.split(":")[1] ?? "", 16) === port).length;
}

function decodeAddress(hex: string, v6: boolean): string {
  const [addr, port] = hex.split(":") as [string, string];
  const p = parseInt(port, 16);
  if (!v6) {
    const bytes = addr.match(/../g)!.map((b) => parseInt(b, 16)).reverse();
    return `${bytes.join(".")}:${p}`;
  }
  if (addr === "00000000000000000000000001000000") return `[::1]:${p}`;
  if (addr === "0000000000000000FFFF00000100007F") return `[::ffff:127.0.0.1]:${p}`;
  return `[${addr}]:${p}`;
}

/** This process's open file descriptors whose target lies under `dir` (Linux /proc). */
export function openFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${dir}/`)) out.push(target);
    } catch {
      // closed between the listing and the readlink
    }
  }
  return out;
}

/** A child started by `spawnTogether`. */
export interface GatedChild {
  child: ChildProcess;
  /** Resolves with the child's stdout lines after "ready", once there are at least `n`. */
  lines(n: number): Promise<string[]>;
  exited: Promise<number | null>;
}

/**
 * Start `n` copies of a script so that their work overlaps: each must print "ready" once loaded
 * and then wait for a line on stdin (`for await (const _ of console) break;`); when all are
 * ready, every one gets "go" at once. Stdin stays open; `child.stdin.end()` closes it.
 */
export async function spawnTogether(script: string, n: number): Promise<GatedChild[]> {
  const children = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    const waiters: Array<() => void> = [];
    const linesNow = () => out.split("\n").slice(0, -1);
    const wake = () => {
      for (const w of waiters.splice(0)) w();
    };
    child.stdout!.on("data", (b) => {
      out += b;
      wake();
    });
    child.stderr!.on("data", (b) => {
      out += b;
      wake();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => (wake(), r(code))));
    const atLeast = (k: number): Promise<string[]> =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (linesNow().length >= k) resolve(linesNow());
          else if (child.exitCode !== null) reject(new Error(`child exited (${child.exitCode}) after: ${out.trim()}`));
          else waiters.push(check);
        };
        check();
      });
    return { child, atLeast, exited };
  });
  await Promise.all(children.map((c) => c.atLeast(1)));
  for (const c of children) c.child.stdin!.write("go\n");
  return children.map(({ child, atLeast, exited }) => ({ child, exited, lines: async (k: number) => (await atLeast(k + 1)).slice(1) }));
}
