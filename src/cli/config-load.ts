import { loadConfig, type LoadedConfig } from "../core/config/load.ts";
import { secretValues } from "../core/config/secrets.ts";
import type { CliContext } from "./context.ts";

/** Load the config the way every command does (flag, env, cwd, XDG, embedded default); its secrets are redacted from all output. */
export function loadForCli(ctx: CliContext): LoadedConfig {
  const loaded = loadConfig({ flag: ctx.flags.config, env: ctx.env, cwd: ctx.cwd });
  ctx.redactor.set(secretValues(loaded, ctx.env));
  return loaded;
}
