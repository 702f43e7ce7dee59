import { spawnSync } from "node:child_process";

/** A tmux session running one command, for driving the real binary's dashboard like a person. */
export class Tmux {
  constructor(readonly name: string) {}

  /** Start `command` in a detached session of the given size. */
  static start(name: string, command: string, cols = 120, rows = 35): Tmux {
    const r = spawnSync("tmux", ["new-session", "-d", "-s", name, "-x", String(cols), "-y", String(rows), command], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
    return new Tmux(name);
  }

  /** The visible screen as text. */
  screen(): string {
    return spawnSync("tmux", ["capture-pane", "-p", "-t", this.name], { encoding: "utf8" }).stdout ?? "";
  }

  /** Type keys (tmux key names, e.g. "Tab", "q"). */
  keys(...keys: string[]): void {
    spawnSync("tmux", ["send-keys", "-t", this.name, ...keys]);
  }

  /** Wait until the screen satisfies `pred` (polling the terminal is the only way to observe it). */
  async waitFor(pred: (screen: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      last = this.screen();
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
  }

  kill(): void {
    spawnSync("tmux", ["kill-session", "-t", this.name]);
  }
}
