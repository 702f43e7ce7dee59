import { lastStopTotals, type LastStop } from "../core/sessions/last-stop.ts";

// What `bosun up` and `bosun restore` say about the last-stop record (core/sessions/last-stop.ts).

/** "3 sessions with 12 waiting messages" */
export function describeLastStop(r: LastStop): string {
  const t = lastStopTotals(r);
  return `${t.sessions} session${t.sessions === 1 ? "" : "s"} with ${t.waiting} waiting message${t.waiting === 1 ? "" : "s"}`;
}

/**
 * `bosun up` in a terminal: one keypress (Enter or y restores; n, Escape or Ctrl-C does not).
 * Resolves false when stdin is not a terminal.
 */
export function askRestore(r: LastStop): Promise<boolean> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.resolve(false);
  process.stderr.write(`Restore ${describeLastStop(r)} from the last \`bosun down\`? [Y/n] `);
  return new Promise((resolve) => {
    stdin.setRawMode(true);
    stdin.resume();
    stdin.once("data", (buf: Buffer) => {
      stdin.setRawMode(false);
      stdin.pause();
      const k = buf.toString("utf8").toLowerCase();
      const yes = k === "\r" || k === "\n" || k === "y";
      process.stderr.write(`${yes ? "yes" : "no"}\n`);
      if (!yes) process.stderr.write("held: `bosun restore` answers them later\n");
      resolve(yes);
    });
  });
}
