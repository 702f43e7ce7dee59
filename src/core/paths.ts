import { join } from "node:path";

/** Every file location bosun uses (product.md "Files and environment"). */
export interface Paths {
  home: string;
  db: string;
  models: string;
  runDir: string;
  socket: string;
  token: string;
  record: string;
  lock: string;
  stateDir: string;
  adapterStateDir: string;
  /** What the last `bosun down` left unanswered (sessions/last-stop.ts). */
  lastStop: string;
  logsDir: string;
  log: string;
  /** Where the embedded whisper-cli is extracted to run (voice/sidecar.ts). */
  bin: string;
  /** Where the embedded onnxruntime is extracted to load (voice/tts/onnxruntime.ts). */
  lib: string;
}

/** Resolve the home directory: $BOSUN_HOME, else $XDG_DATA_HOME/bosun, else ~/.local/share/bosun. */
export function resolveHome(env: Record<string, string | undefined>): string {
  if (env.BOSUN_HOME) return env.BOSUN_HOME;
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, "bosun");
  const home = env.HOME ?? "/tmp";
  return join(home, ".local", "share", "bosun");
}

/** All derived paths under one home. */
export function pathsFor(home: string): Paths {
  const runDir = join(home, "run");
  const stateDir = join(home, "state");
  const logsDir = join(home, "logs");
  return {
    home,
    db: join(home, "bosun.db"),
    models: join(home, "models"),
    runDir,
    socket: join(runDir, "bosun.sock"),
    token: join(runDir, "token"),
    record: join(runDir, "gateway.json"),
    lock: join(runDir, "gateway.lock"),
    stateDir,
    adapterStateDir: join(stateDir, "adapters"),
    lastStop: join(stateDir, "last-stop.json"),
    logsDir,
    log: join(logsDir, "bosun.log"),
    bin: join(home, "bin"),
    lib: join(home, "lib"),
  };
}
