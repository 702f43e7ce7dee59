import type { InstallStatus } from "../core/status.ts";
import { installLook } from "../core/present.ts";
import { c, humanDuration, toneColor } from "./output.ts";

const TERMINAL = new Set(["installed", "error", "broken", "missing"]);

/** True once a status will not change by itself. */
export function isTerminal(s: InstallStatus): boolean {
  return TERMINAL.has(s.state);
}

/** "142.0 MiB" style sizes. */
export function mib(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

interface Rate {
  at: number;
  bytes: number;
  speed: number;
}

/**
 * Renders install progress three ways: bars redrawn in place (TTY), one line per stage (logs,
 * pipes), or one JSON object per change (`--json`).
 */
export class ProgressView {
  #last = new Map<string, string>();
  #rates = new Map<string, Rate>();
  #drawn = 0;
  constructor(
    private readonly mode: "tty" | "lines" | "json",
    private readonly write: (s: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Show the latest statuses (all targets, in a stable order). */
  update(statuses: InstallStatus[]): void {
    for (const s of statuses) this.#track(s);
    if (this.mode === "tty") return this.#draw(statuses);
    for (const s of statuses) {
      const key = this.mode === "json" ? JSON.stringify(s) : `${s.state}|${s.stage}|${s.error}`;
      if (this.#last.get(s.target) === key) continue;
      this.#last.set(s.target, key);
      if (this.mode === "json") this.write(JSON.stringify({ type: "install", ...s }) + "\n");
      else this.write(this.#line(s) + "\n");
    }
  }

  /** Leave the final frame on screen. */
  finish(statuses: InstallStatus[]): void {
    this.update(statuses);
  }

  #track(s: InstallStatus): void {
    const t = this.now();
    const r = this.#rates.get(s.target);
    if (!r) {
      this.#rates.set(s.target, { at: t, bytes: s.downloadedBytes, speed: 0 });
      return;
    }
    const dt = (t - r.at) / 1000;
    if (dt >= 0.5) {
      const inst = Math.max(0, (s.downloadedBytes - r.bytes) / dt);
      // Smoothed, so the ETA doesn't jump around with every chunk.
      this.#rates.set(s.target, { at: t, bytes: s.downloadedBytes, speed: r.speed ? r.speed * 0.6 + inst * 0.4 : inst });
    }
  }

  #line(s: InstallStatus): string {
    const look = installLook(s);
    const state = toneColor(look.tone)(look.word);
    // A cancel's stored message says it all: "cancelled; install again to resume (…)".
    if (look.note) return `${s.target}: ${toneColor(look.tone)(s.error ?? `${look.word}; ${look.note}`)}`;
    if (s.state === "installed") return `${s.target}: ${state} (${mib(s.totalBytes)})`;
    if (s.state === "error" || s.state === "broken") return `${s.target}: ${state}: ${s.error ?? ""}`;
    return `${s.target}: ${s.stage ?? state}${s.totalBytes ? ` (${mib(s.totalBytes)})` : ""}`;
  }

  #draw(statuses: InstallStatus[]): void {
    const width = Math.max(40, Math.min(process.stderr.columns ?? 100, 120));
    const nameW = Math.max(...statuses.map((s) => s.target.length));
    const lines = statuses.map((s) => {
      const name = s.target.padEnd(nameW);
      if (s.state !== "installing" && s.state !== "queued") return `${name}  ${this.#line(s).slice(s.target.length + 2)}`;
      const rate = this.#rates.get(s.target)?.speed ?? 0;
      const left = s.totalBytes - s.downloadedBytes;
      const eta = rate > 0 ? humanDuration((left / rate) * 1000) : "—";
      const info = `${String(s.progress).padStart(3)}%  ${mib(s.downloadedBytes)}/${mib(s.totalBytes)}  ${rate ? mib(rate) + "/s" : "—"}  ETA ${eta}`;
      const barW = Math.max(10, width - nameW - info.length - 6);
      const filled = Math.round((barW * s.progress) / 100);
      return `${name}  ${c.cyan("█".repeat(filled))}${c.dim("░".repeat(barW - filled))}  ${info}`;
    });
    let out = this.#drawn ? `\x1b[${this.#drawn}F` : "";
    out += lines.map((l) => `\x1b[2K${l}`).join("\n") + "\n";
    this.#drawn = lines.length;
    this.write(out);
  }
}
