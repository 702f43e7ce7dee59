import { parseConfig } from "../../src/core/config/load.ts";
import { ConfigError } from "../../src/core/errors.ts";

/** The error parseConfig throws for `text` (what `bosun config check` reports), or null when the config is valid. */
export function checkConfigText(text: string, file: string, env: Record<string, string | undefined>): ConfigError | null {
  try {
    parseConfig(text, file, env);
    return null;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}
