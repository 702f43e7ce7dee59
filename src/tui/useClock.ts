import { useEffect, useState } from "react";

/** The current time, refreshed every `intervalMs`, so uptime and ages tick without events. */
export function useClock(now: () => number, intervalMs = 1000): number {
  const [t, setT] = useState(now);
  useEffect(() => {
    const id = setInterval(() => setT(now()), intervalMs);
    return () => clearInterval(id);
  }, [now, intervalMs]);
  return t;
}
