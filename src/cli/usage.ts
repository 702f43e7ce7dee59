import type { ArgDef, ArgsDef, CommandDef } from "citty";

type Resolvable<T> = T | Promise<T> | (() => T) | (() => Promise<T>);

async function resolve<T>(v: Resolvable<T> | undefined): Promise<T | undefined> {
  return typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
}

/** Rows of two columns, the first padded to its widest entry, so every description starts in one column. */
export function table(rows: Array<[string, string]>): string[] {
  const w = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(w)}  ${right}`.trimEnd());
}

/** A flag as written on the command line: `--config PATH`, `-d, --detach`, or `--no-color` for one that is on by default. */
export function flagRow(name: string, def: ArgDef): [string, string] {
  const aliases = [(def as { alias?: string | string[] }).alias ?? []].flat().map((a) => (a.length === 1 ? `-${a}` : `--${a}`));
  if (def.type === "boolean" && def.default === true) {
    // On unless turned off: the flag anyone would type is the negative one.
    return [`--no-${name}`, (def as { negativeDescription?: string }).negativeDescription ?? `Turn off ${name}`];
  }
  const value = def.type === "string" || def.type === "enum" ? ` ${def.valueHint ?? "VALUE"}` : "";
  return [[...aliases, `--${name}${value}`].join(", "), def.description ?? ""];
}

/**
 * A command's help: its description, a usage line that names the whole command as typed
 * (`bosun config check`), its arguments, subcommands and options in aligned columns, each
 * flag with what it does.
 */
export async function renderHelp(cmd: CommandDef<any>, path: string, bold: (s: string) => string = (s) => s): Promise<string> {
  const meta = (await resolve(cmd.meta)) ?? {};
  const args = ((await resolve(cmd.args)) ?? {}) as ArgsDef;
  const subs = (await resolve(cmd.subCommands)) as Record<string, Resolvable<CommandDef<any>>> | undefined;
  const positionals = Object.entries(args).filter(([, d]) => d.type === "positional");
  const flags = Object.entries(args).filter(([, d]) => d.type !== "positional");
  const words = positionals.map(([name, d]) => {
    const word = (d.valueHint ?? name).toUpperCase();
    return d.required === false ? `[${word}]` : word;
  });
  const subNames = subs ? Object.keys(subs) : [];
  if (subNames.length) words.unshift(cmd.default ? `[${subNames.join("|")}]` : subNames.join("|"));
  const lines: string[] = [];
  if (meta.description) lines.push(meta.description, "");
  lines.push(`${bold("USAGE")} bosun ${path}${flags.length ? " [OPTIONS]" : ""}${words.length ? ` ${words.join(" ")}` : ""}`);
  if (positionals.length) {
    lines.push("", bold("ARGUMENTS"), ...table(positionals.map(([name, d]) => [(d.valueHint ?? name).toUpperCase(), d.description ?? ""])));
  }
  if (subs && subNames.length) {
    const rows: Array<[string, string]> = [];
    for (const name of subNames) {
      const sub = await resolve(subs[name]);
      rows.push([name, (await resolve(sub?.meta))?.description ?? ""]);
    }
    lines.push("", bold("COMMANDS"), ...table(rows));
  }
  if (flags.length) lines.push("", bold("OPTIONS"), ...table([...flags.map(([name, d]) => flagRow(name, d)), ["-h, --help", "Show this help"]]));
  if (subNames.length) lines.push("", `Run \`bosun ${path} COMMAND --help\` for a subcommand's options.`);
  return lines.join("\n");
}
