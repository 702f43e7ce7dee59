import { barFill, formatEta, formatSize, formatSizePair, formatSpeed } from "../core/format.ts";
import { installPace, noteInstall, type InstallRates } from "../core/pace.ts";
import { installLook } from "../core/present.ts";
import type { InstallStatus } from "../core/status.ts";
import { c, toneColor } from "./output.ts";

const TERMINAL = new Set(["installed", "error", "broken", "missing"]);

/** True once a status will not change by itself. */
export function isTerminal(s: InstallStatus): boolean {
  return TERMINAL.has(s.state);
}

/**
 * Renders install progress three ways: bars redrawn in place (TTY), one line per stage (logs,
 * pipes), or one JSON object per change (`--json`).
 */
export class ProgressView {
  #last = new Map<string, string>();
  // Speed and time left come from core's estimator, the one the dashboard uses too.
  #rates: InstallRates = {};
  #drawn = 0;
  constructor(
    private readonly mode: "tty" | "lines" | "json",
    private readonly write: (s: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Show the latest statuses (all targets, in a stable order). */
  update(statuses: InstallStatus[]): void {
    const t = this.now();
    for (const s of statuses) {
      // Polled, not told: a poll that found no new bytes is not a sample, so a download that
      // stops moving reads as stalled after a while, as it does in the dashboard.
      if (s.state === "installing" && this.#rates[s.target]?.bytes === s.downloadedBytes) continue;
      this.#rates = noteInstall(this.#rates, s, t);
    }
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

  #line(s: InstallStatus): string {
    const look = installLook(s);
    const state = toneColor(look.tone)(look.word);
    // A cancel's stored message says it all: "cancelled; install again to resume (…)".
    if (look.note) return `${s.target}: ${toneColor(look.tone)(s.error ?? `${look.word}; ${look.note}`)}`;
    if (s.state === "installed") return `${s.target}: ${state} (${formatSize(s.totalBytes)})`;
    if (s.state === "error" || s.state === "broken") return `${s.target}: ${state}: ${s.error ?? ""}`;
    return `${s.target}: ${s.stage ?? state}${s.totalBytes ? ` (${formatSize(s.totalBytes)})` : ""}`;
  }

  #draw(statuses: InstallStatus[]): void {
    const width = Math.max(40, Math.min(process.stderr.columns ?? 100, 120));
    const nameW = Math.max(...statuses.map((s) => s.target.length));
    const lines = statuses.map((s) => {
      const name = s.target.padEnd(nameW);
      if (s.state !== "installing" && s.state !== "queued") return `${name}  ${this.#line(s).slice(s.target.length + 2)}`;
      const pace = installPace(s, this.#rates[s.target], this.now());
      const speed = pace.stalled ? "stalled" : pace.speed ? formatSpeed(pace.speed) : "—";
      const eta = pace.etaMs === null ? "—" : formatEta(pace.etaMs);
      const info = `${String(s.progress).padStart(3)}%  ${formatSizePair(s.downloadedBytes, s.totalBytes)}  ${speed}  ETA ${eta}`;
      const barW = Math.max(10, width - nameW - info.length - 6);
      const filled = barFill(s.progress, barW);
      return `${name}  ${toneColor("busy")("█".repeat(filled))}${c.dim("░".repeat(barW - filled))}  ${info}`;
    });
    let out = this.#drawn ? `\x1b[${this.#drawn}F` : "";
    out += lines.map((l) => `\x1b[2K${l}`).join("\n") + "\n";
    this.#drawn = lines.length;
    this.write(out);
  }
}
