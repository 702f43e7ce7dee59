import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Local addresses of the TCP sockets `pid` is listening on, e.g. ["127.0.0.1:7420"]. */
export function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed meanwhile
    }
  }
  const out: string[] = [];
  for (const file of ["tcp", "tcp6"]) {
    const lines = readFileSync(`/proc/${pid}/net/${file}`, "utf8").trim().split("\n").slice(1);
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      const [local, , state, , , , , , , inode] = cols;
      if (state !== "0A" || !inode || !inodes.has(inode) || !local) continue;
      out.push(decodeAddress(local, file === "tcp6"));
    }
  }
  return out;
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
