import type { ArgDef } from "citty";

/** Flags every command accepts (product.md "Global flags"). */
export const globalArgs = {
  config: { type: "string", description: "Path to bosun.toml (default: $BOSUN_CONFIG, ./bosun.toml, $XDG_CONFIG_HOME/bosun/bosun.toml)", valueHint: "PATH" },
  json: { type: "boolean", description: "Machine-readable output on stdout (logs go to stderr)" },
  quiet: { type: "boolean", description: "Only warnings and errors" },
  verbose: { type: "boolean", description: "Debug output" },
  color: { type: "boolean", description: "Colour output in a terminal", negativeDescription: "No colours (also NO_COLOR)", default: true },
} as const satisfies Record<string, ArgDef>;

/** The adapter a command acts on (`bosun adapters restart NAME`). */
export const adapterNameArg = {
  name: { type: "positional", required: true, description: "Adapter name (the [adapters.NAME] table)", valueHint: "NAME" },
} as const satisfies Record<string, ArgDef>;

/** One install target (`bosun uninstall TARGET`). */
export const targetArg = {
  target: { type: "positional", required: true, description: "engine:id, e.g. whisper:base.en", valueHint: "TARGET" },
} as const satisfies Record<string, ArgDef>;

export interface GlobalFlags {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}
