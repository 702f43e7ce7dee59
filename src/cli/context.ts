import type { GlobalFlags } from "./args.ts";
import { pathsFor, resolveHome, type Paths } from "../core/paths.ts";
import { setColor } from "./output.ts";

export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  paths: Paths;
  flags: GlobalFlags;
}

/** Shared set-up for every command: environment, home paths, colour. */
export function cliContext(flags: GlobalFlags): CliContext {
  const env = process.env as Record<string, string | undefined>;
  setColor(flags.color !== false && process.stdout.isTTY === true);
  return { env, cwd: process.cwd(), paths: pathsFor(resolveHome(env)), flags };
}
