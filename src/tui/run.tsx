import { render } from "ink";
import { App } from "./App.tsx";
import type { DashboardSource } from "./source.ts";
import type { PaneId } from "./panes.ts";

export interface RunDashboardOptions {
  source: DashboardSource;
  version: string;
  built?: Partial<Record<PaneId, boolean>>;
  /** The user quit (q / ctrl+c). Called after Ink has unmounted and the terminal is restored. */
  onQuit?: () => void;
  /** Aborting closes the dashboard without it counting as a user quit (e.g. the gateway got SIGTERM). */
  signal?: AbortSignal;
  /** Streams to draw on and read keys from; the process's own by default. */
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * Mounts the dashboard and resolves when it closes. Ink is always unmounted before this
 * settles, so raw mode, the cursor and console patching are undone even when rendering failed.
 */
export async function runDashboard(opts: RunDashboardOptions): Promise<void> {
  if (opts.signal?.aborted) return;
  let userQuit = false;
  const out = opts.stdout ?? process.stdout;
  // A full-screen view: draw on the alternate screen so quitting gives the user their terminal
  // back exactly as it was, with no dashboard frame left in the scrollback.
  const alternate = out.isTTY === true;
  if (alternate) out.write("\x1b[?1049h\x1b[H");
  const instance = render(
    <App
      source={opts.source}
      version={opts.version}
      built={opts.built}
      onQuit={() => {
        userQuit = true;
      }}
    />,
    {
      exitOnCtrlC: false,
      // console.* from anything still running prints above the dashboard instead of through it.
      patchConsole: true,
      // Only streams actually given: Ink spreads options over its defaults, so an explicit
      // `undefined` would replace process.stdout rather than fall back to it.
      ...(opts.stdout ? { stdout: opts.stdout } : {}),
      ...(opts.stdin ? { stdin: opts.stdin } : {}),
      ...(opts.stderr ? { stderr: opts.stderr } : {}),
    },
  );
  const abort = () => instance.unmount();
  opts.signal?.addEventListener("abort", abort, { once: true });
  try {
    await instance.waitUntilExit();
  } finally {
    opts.signal?.removeEventListener("abort", abort);
    instance.unmount();
    instance.cleanup();
    if (alternate) out.write("\x1b[?1049l");
  }
  if (userQuit) opts.onQuit?.();
}
