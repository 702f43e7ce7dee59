/**
 * Load the dashboard module. We only mount it on a real terminal, so Ink's CI heuristic
 * (which reads CI / CONTINUOUS_INTEGRATION at import time and then draws no live frames) must
 * not apply: a terminal with CI=true exported still deserves a live dashboard.
 */
export async function loadTui(): Promise<typeof import("../tui/run.tsx")> {
  if (process.stdout.isTTY) {
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
  }
  return import("../tui/run.tsx");
}
