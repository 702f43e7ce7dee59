import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { BosunError, ExitCode } from "../errors.ts";

/** Which rule found the config file. */
export type ConfigSource = "flag" | "env" | "cwd" | "xdg" | "default";

/** Inputs of config discovery; injected so tests need no real home. */
export interface DiscoverOptions {
  flag?: string | undefined;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Find the config file: --config, $BOSUN_CONFIG, ./bosun.toml, $XDG_CONFIG_HOME/bosun/bosun.toml, else the embedded default. */
export function discoverConfigPath(opts: DiscoverOptions): { path: string | null; source: ConfigSource } {
  // An explicit path that does not exist is a mistake to report, not a reason to fall back silently.
  if (opts.flag) return { path: requireFile(resolve(opts.cwd, opts.flag), "--config"), source: "flag" };
  const fromEnv = opts.env.BOSUN_CONFIG;
  if (fromEnv) return { path: requireFile(resolve(opts.cwd, fromEnv), "$BOSUN_CONFIG"), source: "env" };

  const local = join(resolve(opts.cwd), "bosun.toml");
  if (isFile(local)) return { path: local, source: "cwd" };

  const xdgHome = opts.env.XDG_CONFIG_HOME || (opts.env.HOME ? join(opts.env.HOME, ".config") : undefined);
  if (xdgHome) {
    const xdg = join(resolve(opts.cwd, xdgHome), "bosun", "bosun.toml");
    if (isFile(xdg)) return { path: xdg, source: "xdg" };
  }
  return { path: null, source: "default" };
}

function requireFile(path: string, origin: string): string {
  const kind = fileKind(path);
  if (kind === "file") return path;
  const problem = kind === "missing" ? "not found" : "is not a file";
  throw new BosunError("config_not_found", `config file ${problem}: ${path} (from ${origin})`, {
    exitCode: ExitCode.config,
    hint:
      origin === "--config"
        ? "check the --config path, or create the file with `bosun config init`"
        : "check $BOSUN_CONFIG (or unset it), or create the file with `bosun config init`",
  });
}

function isFile(path: string): boolean {
  return fileKind(path) === "file";
}

function fileKind(path: string): "file" | "other" | "missing" {
  try {
    return statSync(path).isFile() ? "file" : "other";
  } catch {
    return "missing";
  }
}
