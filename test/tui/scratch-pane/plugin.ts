/**
 * Preload for probe.tsx: the dashboard's pane table with one more pane, "scratch", as a developer
 * adding a pane would write it (one entry in src/tui/panes.ts) and no other file changed.
 */
import { plugin } from "bun";
import { readFileSync } from "node:fs";

const ENTRY = '  scratch: { title: "Scratch", built: false, notBuilt: "Scratch arrives with this test (not built yet)." },\n';

plugin({
  name: "scratch pane",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]tui[\\/]panes\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const at = text.indexOf("  logs:");
      if (at === -1) throw new Error("scratch pane: no `logs:` entry in panes.ts to insert before");
      return { contents: text.slice(0, at) + ENTRY + text.slice(at), loader: "ts" };
    });
  },
});
