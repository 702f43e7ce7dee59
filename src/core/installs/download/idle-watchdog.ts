/**
 * Fires `onTimeout` when one armed wait lasts `ms`. Arming is a field write, not a timer reset:
 * a single timer re-checks the deadline when it fires, so thousands of chunks a second cost nothing.
 */
export class Watchdog {
  private armedAt = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {}

  /** Start timing a wait (e.g. one pending body read). */
  arm(): void {
    if (this.stopped) return;
    this.armedAt = performance.now();
    if (!this.timer) this.schedule(this.ms);
  }

  /** The wait ended; time spent elsewhere (disk, hashing) does not count. */
  disarm(): void {
    this.armedAt = -1;
  }

  /** Never fire again. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(1, ms));
  }

  private check(): void {
    this.timer = undefined;
    if (this.stopped || this.armedAt < 0) return;
    const waited = performance.now() - this.armedAt;
    if (waited >= this.ms) {
      this.stop();
      this.onTimeout();
    } else {
      this.schedule(this.ms - waited);
    }
  }
}
