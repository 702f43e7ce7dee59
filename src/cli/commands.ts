import { defineCommand, runCommand, type CommandDef, type SubCommandsDef } from "citty";

type AnyCommand = CommandDef<any>;

/** One row of the command table: what `bosun --help` says, and how to load the command. */
export interface CommandEntry {
  description: string;
  load: () => Promise<AnyCommand>;
}

/**
 * A command loaded on first use, its description taken from this table (the one place it is
 * written), its runs recording the exit code they return.
 */
function lazy(description: string, load: () => Promise<{ default: AnyCommand }>): CommandEntry {
  return { description, load: async () => recording((await load()).default, description) };
}

/**
 * The command table: lazy imports, so `--version`, `--help` and `status` load nothing they don't
 * use. citty dispatches over it (rootCommand); a new command is one module and one line here.
 */
export const COMMANDS = {
  up: lazy("Run the gateway (with the dashboard in a terminal; --detach for a background daemon)", () => import("./commands/up.ts")),
  down: lazy("Stop the running gateway gracefully, recording what it left waiting", () => import("./commands/down.ts")),
  restore: lazy("Answer what the last `bosun down` left waiting (through the running gateway)", () => import("./commands/restore.ts")),
  status: lazy("Gateway, adapters, installs, sessions and integrations at a glance", () => import("./commands/status.ts")),
  adapters: lazy("Channel health and control: ls, restart NAME, stop NAME, start NAME", () => import("./commands/adapters.ts")),
  sessions: lazy("Conversations and their state: ls [--adapter A] [--state S], show ID, reset ID, stop ID, start ID", () => import("./commands/sessions.ts")),
  integrations: lazy("Tool sources for the agent and why a tool is not offered: ls [--refresh], tools [SOURCE], connect TOOLKIT, disconnect TOOLKIT", () => import("./commands/integrations.ts")),
  chat: lazy("Talk to the agent from the terminal: chat [--session KEY] (through the running gateway, or one in this process)", () => import("./commands/chat.ts")),
  send: lazy("Send one outbound message through an adapter: send ADAPTER TARGET TEXT", () => import("./commands/send.ts")),
  catalog: lazy("Installable models and voices with sizes: catalog [whisper|piper] [--filter TEXT]", () => import("./commands/catalog.ts")),
  install: lazy("Install models and voices: install TARGET... [--force]", () => import("./commands/install.ts")),
  installs: lazy("Install status of models and voices", () => import("./commands/installs.ts")),
  uninstall: lazy("Remove an installed model or voice", () => import("./commands/uninstall.ts")),
  transcribe: lazy("Speech to text with the installed Whisper model (through the running gateway, else in this process): transcribe FILE [--model TARGET] [--json]", () => import("./commands/transcribe.ts")),
  speak: lazy("Text to speech with the installed Piper voice (through the running gateway, else in this process): speak TEXT --out FILE.ogg|.wav [--voice TARGET] [--json]", () => import("./commands/speak.ts")),
  dashboard: lazy("Attach the live dashboard to the running gateway", () => import("./commands/dashboard.ts")),
  doctor: lazy("Check config, home permissions, ports and provider", () => import("./commands/doctor.ts")),
  config: lazy("Config help: check, init, path, schema", () => import("./commands/config.ts")),
} satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

// citty hands back only the top command's result, so the code a (sub)command returns is kept here.
let exitCode = 0;

/** The command with its description from the table, and each run (its subcommands' too) recording its exit code. */
function recording(cmd: AnyCommand, description?: string): AnyCommand {
  const run = cmd.run;
  const subs = cmd.subCommands;
  return {
    ...cmd,
    ...(description === undefined ? {} : { meta: { ...(cmd.meta as object), description } }),
    ...(run
      ? {
          async run(ctx) {
            const code: unknown = await run(ctx);
            if (typeof code === "number") exitCode = code;
          },
        }
      : {}),
    ...(subs
      ? {
          async subCommands() {
            const resolved = (typeof subs === "function" ? await subs() : await subs) as Record<string, AnyCommand | (() => Promise<AnyCommand>)>;
            const out: SubCommandsDef = {};
            for (const [name, sub] of Object.entries(resolved)) out[name] = recording(typeof sub === "function" ? await sub() : sub);
            return out;
          },
        }
      : {}),
  };
}

/** `bosun` itself: no run of its own (the pre-parse picks the command for a bare `bosun`), the table as its subcommands. */
const root = defineCommand({
  meta: { name: "bosun" },
  subCommands: Object.fromEntries(Object.entries(COMMANDS).map(([name, entry]) => [name, entry.load])),
});

/** Run `bosun ARGS` (the command's words first) through citty; returns the exit code the command returned. */
export async function runTable(rawArgs: string[]): Promise<number> {
  exitCode = 0;
  await runCommand(root, { rawArgs });
  return exitCode;
}
