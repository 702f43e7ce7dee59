import { useEffect, useRef } from "react";

/**
 * Run `read` now, every `everyMs` and whenever `deps` change, while `active`; never two at once
 * (a trigger during a read asks for one more after it). The panes that read the gateway on a
 * clock (Sessions, Integrations) share it.
 */
export function usePoll(active: boolean, deps: readonly unknown[], everyMs: number, read: () => Promise<void>): void {
  const latest = useRef(read);
  latest.current = read;
  const busy = useRef<{ running: boolean; again: boolean }>({ running: false, again: false });
  const run = useRef(() => {
    const b = busy.current;
    if (b.running) {
      b.again = true;
      return;
    }
    b.running = true;
    void latest.current().finally(() => {
      b.running = false;
      if (b.again) {
        b.again = false;
        run.current();
      }
    });
  });
  useEffect(() => {
    if (!active) return;
    run.current();
    const t = setInterval(() => run.current(), everyMs);
    return () => clearInterval(t);
    // `deps` are what should trigger a read, beside the clock.
  }, [active, everyMs, ...deps]);
}
