import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { BosunError, ExitCode, errorMessage } from "../../core/errors.ts";
import { builtinCatalog, ENGINES, filterCatalog, type Engine } from "../../core/installs/catalog/catalog.ts";
import type { CatalogEntry } from "../../core/installs/types.ts";
import type { InstallStatus } from "../../core/status.ts";
import { formatSize } from "../../core/format.ts";
import { didYouMean } from "../../core/util/suggest.ts";
import { globalArgs } from "../args.ts";
import { cliContext, type CliContext } from "../context.ts";
import { gatewayApi, type CliApi } from "../gateway-api.ts";
import { c, err, out, printJson, stateColor } from "../output.ts";

/** The engine named on the command line, or a usage error. */
export function parseEngine(raw: string | undefined): Engine | undefined {
  if (raw === undefined || raw === "") return undefined;
  const name = raw.toLowerCase();
  if ((ENGINES as readonly string[]).includes(name)) return name as Engine;
  const guess = didYouMean(name, ENGINES);
  throw new BosunError("usage", `unknown engine "${raw}"`, {
    exitCode: ExitCode.usage,
    hint: `${guess ? `did you mean ${guess}? ` : ""}engines: ${ENGINES.join(", ")} (e.g. \`bosun catalog piper --filter en_US\`)`,
  });
}

/** Sorted for reading: whisper before piper, small before large, then by name. */
export function sortCatalog(entries: readonly CatalogEntry[]): CatalogEntry[] {
  const rank = (e: CatalogEntry) => ENGINES.indexOf(e.engine);
  return [...entries].sort((a, b) => rank(a) - rank(b) || a.size - b.size || a.target.localeCompare(b.target));
}

/** What the INSTALLED column says: yes, or the state of one that is not (yet) usable; blank when not installed. */
function installedWord(s: InstallStatus | undefined): string {
  if (!s || s.state === "missing") return "";
  if (s.state === "installed") return "yes";
  return s.state === "installing" ? `installing ${s.progress}%` : s.state;
}

/** One table row per entry, for people; `installs` (by target) fills the INSTALLED column. */
export function renderCatalog(entries: readonly CatalogEntry[], installs: ReadonlyMap<string, InstallStatus> = new Map()): string {
  const rows = entries.map((e) => ({
    target: e.target,
    size: formatSize(e.size),
    lang: e.language,
    quality: e.quality ?? "",
    installed: installedWord(installs.get(e.target)),
    state: installs.get(e.target)?.state ?? "missing",
    // A custom entry's description already says it is custom (and where from).
    desc: e.description,
  }));
  const w = (key: "target" | "size" | "lang" | "quality" | "installed", title: string) => Math.max(title.length, ...rows.map((r) => r[key].length));
  const tw = w("target", "TARGET");
  const sw = w("size", "SIZE");
  const lw = w("lang", "LANGUAGE");
  const qw = w("quality", "QUALITY");
  const iw = w("installed", "INSTALLED");
  const head = `${"TARGET".padEnd(tw)}  ${"SIZE".padStart(sw)}  ${"LANGUAGE".padEnd(lw)}  ${"QUALITY".padEnd(qw)}  ${"INSTALLED".padEnd(iw)}  DESCRIPTION`;
  const lines = rows.map(
    (r) => `${r.target.padEnd(tw)}  ${r.size.padStart(sw)}  ${r.lang.padEnd(lw)}  ${c.dim(r.quality.padEnd(qw))}  ${stateColor(r.state)(r.installed.padEnd(iw))}  ${r.desc}`,
  );
  return [c.bold(head), ...lines].join("\n");
}

/** Install states by target, through the running gateway or from this home; none when nothing was ever installed here. */
async function installedByTarget(ctx: CliContext, { api, running }: CliApi): Promise<Map<string, InstallStatus>> {
  if (!running && !existsSync(ctx.paths.db)) return new Map();
  try {
    return new Map((await api.installs()).map((s) => [s.target, s]));
  } catch {
    // A broken config or an unreadable database only leaves the column blank: the catalogue is still useful.
    return new Map();
  }
}

/** The API's catalogue; with no gateway and a broken config, the built-in one (only the custom entries are unknown). */
async function catalogue({ api, running }: CliApi, quiet: boolean): Promise<CatalogEntry[]> {
  try {
    return await api.catalog();
  } catch (e) {
    if (running) throw e;
    if (!quiet) err(c.yellow(`custom installs not shown: ${errorMessage(e)}`));
    return builtinCatalog();
  }
}

export default defineCommand({
  // Its description is the command table's (commands.ts).
  meta: { name: "catalog" },
  args: {
    ...globalArgs,
    engine: { type: "positional", required: false, description: "Only this engine: whisper or piper", valueHint: "ENGINE" },
    filter: { type: "string", description: "Only entries whose name, description or language contains every word of TEXT", valueHint: "TEXT" },
  },
  async run({ args }) {
    const ctx = cliContext(args);
    const engine = parseEngine(args.engine as string | undefined);
    const query = typeof args.filter === "string" ? args.filter : undefined;
    if (query !== undefined && query.trim() === "") {
      throw new BosunError("usage", "--filter needs some text to look for", { exitCode: ExitCode.usage, hint: "e.g. `bosun catalog --filter en_US`; leave --filter out to list everything" });
    }
    const through = gatewayApi(ctx);
    const all = await catalogue(through, !!args.quiet || !!args.json);
    const entries = sortCatalog(filterCatalog(all, { engine, query }));
    const installs = await installedByTarget(ctx, through);
    if (args.json) return printJson(entries.map((e) => ({ ...e, installed: installs.get(e.target)?.state === "installed" })));
    if (entries.length === 0) {
      err(`nothing in the catalogue matches${engine ? ` engine ${engine}` : ""}${query ? ` "${query}"` : ""}`);
      return;
    }
    out(renderCatalog(entries, installs));
    if (!args.quiet) err(c.dim(`${entries.length} ${entries.length === 1 ? "entry" : "entries"}; install one with \`bosun install TARGET\``));
  },
});
