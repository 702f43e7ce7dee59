import type { ArgsDef } from "citty";

/** Flags every command accepts (product.md "Global flags"). */
export const globalArgs = {
  config: { type: "string", description: "Path to bosun.toml (default: $BOSUN_CONFIG, ./bosun.toml, $XDG_CONFIG_HOME/bosun/bosun.toml)", valueHint: "PATH" },
  json: { type: "boolean", description: "Machine-readable output on stdout (logs go to stderr)" },
  quiet: { type: "boolean", description: "Only warnings and errors" },
  verbose: { type: "boolean", description: "Debug output" },
  color: { type: "boolean", description: "Colour output in a terminal", negativeDescription: "No colours (also NO_COLOR)", default: true },
} as const satisfies ArgsDef;

export interface GlobalFlags {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}
