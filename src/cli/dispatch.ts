import type { ArgsDef, CommandDef } from "citty";
import { BosunError, ExitCode } from "../core/errors.ts";
import { didYouMean } from "../core/util/suggest.ts";
import { globalArgs } from "./args.ts";
import { COMMANDS, isCommand, runTable } from "./commands.ts";
import { c, err, out, reportError, setColor } from "./output.ts";
import { flagRow, table } from "./usage.ts";
import { VERSION } from "./version.ts";

/*
 * The pre-parse: what citty does not do before it dispatches over the command table. It joins
 * `--config PATH`, picks the command for a bare `bosun`, answers --help (the top-level one from
 * the table alone, loading no command), puts the command's words first so a global flag may stand
 * anywhere, and refuses unknown flags (with a did-you-mean) and extra words, all as usage errors
 * (exit 2). citty then parses the arguments and runs the command, which returns its exit code.
 */

/** Flags that take a value, so their value is not mistaken for the command name. */
const VALUE_FLAGS = new Set(["--config"]);

/** Run the CLI with these arguments; returns the exit code. Never throws. */
export async function run(rawArgv: string[]): Promise<number> {
  const argv = joinValueFlags(rawArgv);
  const json = argv.includes("--json");
  let label = "";
  try {
    const idx = commandIndex(argv);
    const name = idx === -1 ? undefined : argv[idx]!;
    const rest = idx === -1 ? argv : [...argv.slice(0, idx), ...argv.slice(idx + 1)];
    if (name === undefined) {
      if (rest.includes("--help") || rest.includes("-h")) {
        out(mainUsage());
        return ExitCode.ok;
      }
      if (rest.includes("--version") || rest.includes("-V")) {
        out(`bosun ${VERSION}`);
        return ExitCode.ok;
      }
      // Bare `bosun`: the dashboard in a terminal, status otherwise.
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !json;
      // Its errors name `bosun`, as typed, not the command it stands for.
      if (!interactive) return await runNamed("status", rest, "");
      const { gatewayRunning } = await import("./running.ts");
      return await runNamed(gatewayRunning() ? "dashboard" : "up", rest, "");
    }
    if (name === "help") {
      const target = rest.find((a) => !a.startsWith("-"));
      if (target && isCommand(target)) return await runNamed(target, ["--help"]);
      out(mainUsage());
      return ExitCode.ok;
    }
    if (!isCommand(name)) {
      const guess = didYouMean(name, Object.keys(COMMANDS));
      throw new BosunError("unknown_command", `unknown command "${name}"`, {
        exitCode: ExitCode.usage,
        hint: guess ? `did you mean \`bosun ${guess}\`?` : "run `bosun --help` for the list of commands",
      });
    }
    label = name;
    return await runNamed(name, rest);
  } catch (e) {
    if ((e as { code?: string } | null)?.code === "EPIPE") return ExitCode.ok;
    return reportError(usageError(e, label), json);
  }
}

/**
 * `--config PATH` becomes `--config=PATH`, so no parser along the way (ours, citty's) can take the
 * path for a command name, wherever the flag stands.
 */
function joinValueFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (VALUE_FLAGS.has(a) && i + 1 < argv.length) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

/** A command as typed, for messages: `bosun adapters restart`, or `bosun` for a bare `bosun`. */
function typed(label: string): string {
  return label ? `bosun ${label}` : "bosun";
}

/** citty's own argument errors (a missing positional, an unknown subcommand) are usage errors, exit 2. */
function usageError(e: unknown, label: string): unknown {
  if ((e as { name?: string } | null)?.name !== "CLIError") return e;
  // citty's words ("Missing required positional argument: TARGETS") in the form of every other error.
  const missing = /^Missing required positional argument: (\S+)/.exec((e as Error).message);
  const message = missing ? `missing argument ${missing[1]}` : (e as Error).message;
  return new BosunError("usage", message, { exitCode: ExitCode.usage, hint: `see \`${typed(label)} --help\`` });
}

/** Run a command; `label` is how messages name it (by default the command and its subcommand, as typed). */
async function runNamed(name: string, rawArgs: string[], label?: string): Promise<number> {
  if (!isCommand(name)) throw new BosunError("unknown_command", `unknown command "${name}"`, { exitCode: ExitCode.usage });
  const cmd = await COMMANDS[name].load();
  const sub = await subcommandOf(cmd, rawArgs);
  const target = sub?.cmd ?? cmd;
  const args = sub ? sub.rawArgs : rawArgs;
  if (args.includes("--help") || args.includes("-h")) {
    // Usage lines name the whole command as typed: `bosun config check`, not `check`.
    const { renderHelp } = await import("./usage.ts");
    setColor(process.stdout.isTTY === true && !args.includes("--no-color"));
    out(await renderHelp(target, sub ? `${name} ${sub.name}` : name, c.bold));
    return ExitCode.ok;
  }
  const path = label ?? (sub ? `${name} ${sub.name}` : name);
  await checkFlags(target, args, path);
  if (!sub && cmd.subCommands && !cmd.default) {
    const names = Object.keys((typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands) ?? {});
    throw new BosunError("usage", `\`bosun ${name}\` needs a subcommand: ${names.join(", ")}`, { exitCode: ExitCode.usage, hint: `e.g. \`bosun ${name} ${names[0]}\`` });
  }
  // The command's words first: citty hands a subcommand only the words after its name, so a
  // global flag written before it (`bosun --json config check`) would be lost.
  try {
    return await runTable([name, ...(sub ? [sub.name, ...sub.rawArgs] : rawArgs)]);
  } catch (e) {
    // citty's message is about the command it ran: the hint names that one, subcommand included.
    throw usageError(e, path);
  }
}

/** Position of the first bare word (the command); value flags are already joined (`--config=PATH`). */
function commandIndex(argv: string[]): number {
  return argv.findIndex((a) => !a.startsWith("-"));
}

async function subcommandOf(cmd: CommandDef<any>, rawArgs: string[]): Promise<{ name: string; cmd: CommandDef<any>; rawArgs: string[] } | undefined> {
  const subs = typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands;
  if (!subs) return undefined;
  // The parent's own value flags (`bosun sessions --state idle`, ls being the default) keep their values.
  const defs = ((typeof cmd.args === "function" ? await cmd.args() : cmd.args) ?? {}) as ArgsDef;
  const takesValue = (a: string) => ["string", "enum"].includes((defs[a.replace(/^--/, "")] as { type?: string } | undefined)?.type ?? "");
  const i = rawArgs.findIndex((a, j) => !a.startsWith("-") && !(j > 0 && takesValue(rawArgs[j - 1]!)));
  const name = i === -1 ? undefined : rawArgs[i]!;
  if (!name) return undefined;
  const entry = (subs as Record<string, unknown>)[name];
  if (!entry) {
    const guess = didYouMean(name, Object.keys(subs));
    throw new BosunError("unknown_command", `unknown subcommand "${name}"`, {
      exitCode: ExitCode.usage,
      hint: guess ? `did you mean "${guess}"?` : "see --help for the subcommands",
    });
  }
  const resolved = (typeof entry === "function" ? await (entry as () => Promise<CommandDef<any>>)() : entry) as CommandDef<any>;
  return { name, cmd: resolved, rawArgs: [...rawArgs.slice(0, i), ...rawArgs.slice(i + 1)] };
}

/** Unknown flags are usage errors (exit 2) with a did-you-mean, not silently ignored. */
async function checkFlags(cmd: CommandDef<any>, rawArgs: string[], label: string): Promise<void> {
  const defs = ((typeof cmd.args === "function" ? await cmd.args() : cmd.args) ?? {}) as ArgsDef;
  const known = new Set<string>(["help", "h"]);
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    known.add(key);
    if (def.type === "boolean") known.add(`no-${key}`);
    for (const a of [(def as { alias?: string | string[] }).alias ?? []].flat()) known.add(a);
  }
  // A word beyond the last positional would be dropped without a word (`send web c hello world`
  // sends "hello"); a positional whose hint ends in "..." takes any number.
  const positionals = Object.values(defs).filter((d) => d.type === "positional");
  const variadic = positionals.some((d) => String((d as { valueHint?: string }).valueHint ?? "").endsWith("..."));
  const valueFlags = new Set<string>();
  for (const [key, def] of Object.entries(defs)) {
    if (def.type !== "string" && def.type !== "enum") continue;
    valueFlags.add(`--${key}`);
    for (const a of [(def as { alias?: string | string[] }).alias ?? []].flat()) valueFlags.add(a.length === 1 ? `-${a}` : `--${a}`);
  }
  const words: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") {
      // Everything after `--` is an argument, however it looks.
      words.push(...rawArgs.slice(i + 1));
      break;
    }
    if (valueFlags.has(a)) {
      if (i + 1 >= rawArgs.length) throw new BosunError("usage", `${a} needs a value`, { exitCode: ExitCode.usage, hint: `see \`${typed(label)} --help\`` });
      i++;
    } else if (!a.startsWith("-")) words.push(a);
  }
  if (!variadic && !cmd.subCommands && words.length > positionals.length) {
    throw new BosunError("usage", `unexpected argument "${words[positionals.length]}" for \`${typed(label)}\``, {
      exitCode: ExitCode.usage,
      hint: positionals.length ? `quote an argument that contains spaces; see \`${typed(label)} --help\`` : `\`${typed(label)}\` takes no arguments`,
    });
  }
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") break;
    if (valueFlags.has(a)) {
      i++; // its value may start with "-" (`--filter -low`)
      continue;
    }
    if (!a.startsWith("-")) continue;
    const flag = a.replace(/^-+/, "").split("=")[0]!;
    if (!known.has(flag)) {
      const guess = didYouMean(flag, [...known]);
      throw new BosunError("unknown_flag", `unknown option "${a}" for \`${typed(label)}\``, {
        exitCode: ExitCode.usage,
        hint: guess ? `did you mean --${guess}?` : `see \`${typed(label)} --help\``,
      });
    }
  }
}

function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = [
    `${c.bold("bosun")} ${VERSION} — a self-hosted AI agent gateway in one binary`,
    "",
    `${c.bold("USAGE")} bosun [COMMAND] [OPTIONS]`,
    "",
    "With no command: the dashboard in a terminal, `bosun status` otherwise.",
    "",
    c.bold("COMMANDS"),
    ...Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(width)}  ${v.description}`),
    "",
    // The flags every command takes, drawn from their one definition (args.ts); --version and
    // --help here are `bosun`'s own (`bosun status --version` is not a thing).
    c.bold("GLOBAL OPTIONS (any command)"),
    ...table(Object.entries(globalArgs).map(([name, def]) => flagRow(name, def))),
    "",
    c.bold("OPTIONS (bosun alone)"),
    ...table([
      ["-V, --version", "Print the version"],
      ["-h, --help", "Show this help"],
    ]),
    "",
    "Run `bosun COMMAND --help` for a command's options. Exit codes: 0 ok, 1 failed, 2 usage, 3 config invalid, 4 gateway not running.",
  ];
  return lines.join("\n");
}
