import { systemClock, type Clock } from "../../util/clock.ts";

/**
 * Fires `onTimeout` when one armed wait lasts `ms`. Arming is a field write, not a timer reset:
 * a single timer re-checks the deadline when it fires, so thousands of chunks a second cost nothing.
 */
export class Watchdog {
  private armedAt = -1;
  private cancel: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Start timing a wait (e.g. one pending body read). */
  arm(): void {
    if (this.stopped) return;
    this.armedAt = this.clock.monotonic();
    if (!this.cancel) this.schedule(this.ms);
  }

  /** The wait ended; time spent elsewhere (disk, hashing) does not count. */
  disarm(): void {
    this.armedAt = -1;
  }

  /** Never fire again. */
  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  private schedule(ms: number): void {
    this.cancel = this.clock.after(Math.max(1, ms), () => this.check());
  }

  private check(): void {
    this.cancel = undefined;
    if (this.stopped || this.armedAt < 0) return;
    const waited = this.clock.monotonic() - this.armedAt;
    if (waited >= this.ms) {
      this.stop();
      this.onTimeout();
    } else {
      this.schedule(this.ms - waited);
    }
  }
}
