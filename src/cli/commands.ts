import type { CommandDef } from "citty";

type Loader = () => Promise<CommandDef<any>>;

/** The command table: lazy imports so `--version`, `--help` and `status` load nothing they don't use. */
export const COMMANDS: Record<string, { description: string; load: Loader }> = {
  up: { description: "Run the gateway (with the dashboard in a terminal; --detach for a background daemon)", load: () => import("./commands/up.ts").then((m) => m.default) },
  down: { description: "Stop the running gateway gracefully", load: () => import("./commands/down.ts").then((m) => m.default) },
  status: { description: "Gateway, adapters, installs, sessions and integrations at a glance", load: () => import("./commands/status.ts").then((m) => m.default) },
  adapters: { description: "Channel health and control: ls, restart NAME, stop NAME, start NAME", load: () => import("./commands/adapters.ts").then((m) => m.default) },
  send: { description: "Send one outbound message through an adapter: send ADAPTER TARGET TEXT", load: () => import("./commands/send.ts").then((m) => m.default) },
  catalog: { description: "Installable models and voices with sizes: catalog [whisper|piper]", load: () => import("./commands/catalog.ts").then((m) => m.default) },
  install: { description: "Install models and voices: install TARGET... [--force]", load: () => import("./commands/install.ts").then((m) => m.default) },
  installs: { description: "Install status of models and voices", load: () => import("./commands/installs.ts").then((m) => m.default) },
  uninstall: { description: "Remove an installed model or voice", load: () => import("./commands/uninstall.ts").then((m) => m.default) },
  dashboard: { description: "Attach the live dashboard to the running gateway", load: () => import("./commands/dashboard.ts").then((m) => m.default) },
  doctor: { description: "Check config, home permissions, ports and provider", load: () => import("./commands/doctor.ts").then((m) => m.default) },
  config: { description: "Config help: check, init, path, schema", load: () => import("./commands/config.ts").then((m) => m.default) },
};
