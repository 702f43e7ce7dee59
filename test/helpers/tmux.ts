import { spawnSync } from "node:child_process";
import { waitUntil } from "./wait.ts";

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
    let last = "";
    await waitUntil(
      () => pred((last = this.screen())),
      () => `${what}; screen:\n${last}`,
      timeoutMs,
      50,
    );
    return last;
  }

  kill(): void {
    spawnSync("tmux", ["kill-session", "-t", this.name]);
  }
}

/** `K='v' …` for a shell command line: a sandbox's environment for a command run in tmux. */
export function shellEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}='${v.replace(/'/g, "'\\''")}'`)
    .join(" ");
}
