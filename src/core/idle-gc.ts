import type { EventBus } from "./events.ts";
import type { Clock } from "./util/clock.ts";

/** How often the collector looks whether a burst of messages has ended. */
const CHECK_EVERY_MS = 2_000;
/** Quiet this long after the last message counts as the end of a burst. */
const QUIET_MS = 1_500;

/**
 * Give memory back after a burst of messages. A collector left to itself keeps the heap a burst
 * grew to (at 5,000 messages a second the gateway's RSS rose ~60 MB and stayed), so once messages
 * have stopped for QUIET_MS a full collection runs: a few milliseconds, only after traffic, never
 * during it, and nothing at all on an idle gateway. Returns the stop function.
 */
export function collectAfterBursts(bus: EventBus, clock: Clock, collect: () => void): (() => void) & { mark(): void } {
  let last = 0;
  let dirty = false;
  const off = bus.on((e) => {
    if (e.type === "message.inbound" || e.type === "message.outbound") {
      dirty = true;
      last = clock.monotonic();
    }
  });
  let cancel = () => {};
  const check = () => {
    if (dirty && clock.monotonic() - last >= QUIET_MS) {
      dirty = false;
      collect();
    }
    cancel = clock.after(CHECK_EVERY_MS, check);
  };
  cancel = clock.after(CHECK_EVERY_MS, check);
  // `mark`: other bursty work (an integrations listing builds a thousand tool objects) counts as traffic too.
  return Object.assign(
    () => {
      off();
      cancel();
    },
    {
      mark() {
        dirty = true;
        last = clock.monotonic();
      },
    },
  );
}
