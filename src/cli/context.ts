import type { GlobalFlags } from "./args.ts";
import { secretValues } from "../core/config/secrets.ts";
import { pathsFor, resolveHome, type Paths } from "../core/paths.ts";
import { Redactor } from "../core/util/redact.ts";
import { setColor, useRedactor } from "./output.ts";

export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  paths: Paths;
  flags: GlobalFlags;
  /** What everything printed goes through; loading the config adds its secrets (loadForCli). */
  redactor: Redactor;
}

/** Shared set-up for every command: environment, home paths, colour, redaction of what is printed. */
export function cliContext(flags: GlobalFlags): CliContext {
  const env = process.env as Record<string, string | undefined>;
  setColor(flags.color !== false && process.stdout.isTTY === true);
  const redactor = new Redactor();
  // A key taken from the environment (OPENAI_API_KEY) is as secret as one in the config.
  redactor.set(secretValues(null, env));
  useRedactor(redactor);
  return { env, cwd: process.cwd(), paths: pathsFor(resolveHome(env)), flags, redactor };
}
