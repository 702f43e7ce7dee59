import type { InstallStatus } from "./status.ts";

/**
 * Download speed and time left per install target: the one estimator behind `bosun install`'s
 * progress bars and the dashboard's Installs pane. Fed successive install statuses with the
 * time each was seen (an event's timestamp, or a clock reading) and their downloadedBytes.
 * Pure, so the dashboard's reducer can keep the samples in its state.
 */
export interface RateSample {
  /** Time of the last sample, ms since the epoch. */
  at: number;
  bytes: number;
  /** Smoothed bytes per second; null until two samples have been seen. */
  speed: number | null;
}

export type InstallRates = Readonly<Record<string, RateSample>>;

/**
 * Time constant of the smoothing. Events come about ten a second and single chunks arrive in
 * bursts, so the raw rate jumps around; averaging over a couple of seconds gives an ETA that
 * counts down instead of flickering, while still following a real change in speed.
 */
export const RATE_TAU_MS = 2000;

/** No progress event for this long while installing: the download is stalled. */
export const STALL_MS = 5000;

/** Fold one install status seen at `t` (ms) into the samples; same object when nothing changes. */
export function noteInstall(rates: InstallRates, x: InstallStatus, t: number): InstallRates {
  if (x.state !== "installing") return forget(rates, x.target);
  // An attached stream's timestamp may not parse: nothing to measure with.
  if (!Number.isFinite(t)) return rates;
  const prev = rates[x.target];
  // First sight, or the download started over (no resume): nothing to measure against yet.
  if (!prev || x.downloadedBytes < prev.bytes) return { ...rates, [x.target]: { at: t, bytes: x.downloadedBytes, speed: null } };
  const dt = t - prev.at;
  // Two events in the same millisecond: measure the next one against the earlier sample.
  if (dt <= 0) return rates;
  const instant = ((x.downloadedBytes - prev.bytes) * 1000) / dt;
  // An exponential moving average weighted by elapsed time, so irregular gaps count fairly.
  const speed = prev.speed === null ? instant : prev.speed + (1 - Math.exp(-dt / RATE_TAU_MS)) * (instant - prev.speed);
  return { ...rates, [x.target]: { at: t, bytes: x.downloadedBytes, speed } };
}

/** After a snapshot: keep measuring what is still installing, forget the rest. */
export function snapshotRates(rates: InstallRates, installs: readonly InstallStatus[], at: number): InstallRates {
  const next: Record<string, RateSample> = {};
  for (const x of installs) {
    const r = noteInstall(rates, x, at)[x.target];
    if (r) next[x.target] = r;
  }
  return next;
}

export interface InstallPace {
  /** Bytes per second, or null when not known yet. */
  speed: number | null;
  /** Milliseconds left at that speed, or null when it cannot be told. */
  etaMs: number | null;
  /** Installing, but no progress reported for STALL_MS. */
  stalled: boolean;
}

const UNKNOWN: InstallPace = { speed: null, etaMs: null, stalled: false };

/** Speed, time left and whether it has stalled, as of `now`. */
export function installPace(x: InstallStatus, sample: RateSample | undefined, now: number): InstallPace {
  if (x.state !== "installing" || !sample) return UNKNOWN;
  if (now - sample.at > STALL_MS) return { speed: null, etaMs: null, stalled: true };
  const speed = sample.speed;
  const left = x.totalBytes - x.downloadedBytes;
  const etaMs = speed !== null && speed > 0 && left > 0 ? (left / speed) * 1000 : null;
  return { speed, etaMs, stalled: false };
}

function forget(rates: InstallRates, target: string): InstallRates {
  if (!(target in rates)) return rates;
  const { [target]: _gone, ...rest } = rates;
  return rest;
}
