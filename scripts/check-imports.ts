/**
 * The import graph's rules, checked: no import circles, and nothing imports up the layers
 * (architecture.md). Run by `.ci/run` before the tests: `bun scripts/check-imports.ts`.
 *
 * Type-only imports count: a type circle is still two modules that cannot be read apart.
 * A lazy `import()` is no circle (it runs after both modules loaded) and is the one way a
 * layer may reach one it must not load eagerly (the CLI opening the dashboard).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dir, "..");
const SRC = join(ROOT, "src");

export interface Edge {
  from: string;
  to: string;
  /** `import()` (value or type position): loaded on demand, not with the importer. */
  lazy: boolean;
  /** `import type` / `export type`: erased at build, loads nothing at run time. */
  typeOnly: boolean;
}

/**
 * What may not import what, by path prefix under src/. The first rule that names the importer
 * and the imported module decides: `allow` lets it through, `lazy` lets an on-demand `import()`
 * (or a type-only import) through, `unlessUi` any import of a module that loads no Ink or React.
 */
export interface Rule {
  from: string;
  to: string;
  allow?: boolean;
  lazy?: boolean;
  unlessUi?: boolean;
  why: string;
}

/** The presentation modules shared by the CLI and the dashboard (durations, sizes, speeds, state words and colours). */
const PRESENTATION = ["core/format.ts", "core/present.ts", "core/pace.ts"];
/** What presentation may read: the other presentation modules, the shared status and event types, utils. */
const PRESENTATION_READS = [...PRESENTATION, "core/status.ts", "core/events.ts", "core/util/"];

export const RULES: Rule[] = [
  { from: "core/", to: "cli/", why: "core depends on nothing of the CLI's" },
  { from: "core/", to: "tui/", why: "core depends on nothing of the dashboard's" },
  { from: "tui/", to: "cli/", why: "the dashboard is opened by the CLI and knows nothing of it" },
  { from: "cli/commands/", to: "cli/commands/", why: "no command imports another (shared code moves to a module of its own under src/cli)" },
  ...PRESENTATION.flatMap((p): Rule[] => [
    ...PRESENTATION_READS.map((to) => ({ from: p, to, allow: true, why: "" })),
    { from: p, to: "core/", why: "presentation (format.ts, present.ts, pace.ts) reads the shared status and event types, never a feature" },
  ]),
  { from: "cli/", to: "tui/", lazy: true, unlessUi: true, why: "the CLI loads Ink and React only when a dashboard opens (lazy import)" },
  { from: "core/util/", to: "core/util/", allow: true, why: "" },
  { from: "core/util/", to: "core/", why: "a util never imports a feature" },
  { from: "core/platform/", to: "core/util/", allow: true, why: "" },
  { from: "core/platform/", to: "core/platform/", allow: true, why: "" },
  { from: "core/platform/", to: "core/", why: "the platform seam sits below every feature" },
  { from: "core/sessions/", to: "core/adapters/", why: "sessions never import an adapter (shared message types live in core/messages.ts)" },
  { from: "core/installs/", to: "core/adapters/", why: "installs know nothing of channels" },
  { from: "core/installs/", to: "core/sessions/", why: "installs and sessions each own their tables; what they share is the database module (core/db.ts)" },
  { from: "core/sessions/", to: "core/installs/", why: "installs and sessions each own their tables; what they share is the database module (core/db.ts)" },
  { from: "core/installs/", to: "core/providers/", why: "installs fetch files; the provider that uses one is wired by the gateway" },
  { from: "core/providers/", to: "core/installs/", why: "a provider is handed its model; installs are wired by the gateway" },
  { from: "core/providers/", to: "core/sessions/", why: "a provider is handed messages; it reads no store" },
  { from: "core/installs/", to: "core/control/", why: "features are driven by the gateway, not by its API" },
  { from: "core/sessions/", to: "core/control/", why: "features are driven by the gateway, not by its API" },
  { from: "core/providers/", to: "core/control/", why: "features are driven by the gateway, not by its API" },
  { from: "core/providers/", to: "core/adapters/", why: "a provider knows nothing of channels" },
  { from: "core/adapters/", to: "core/control/", why: "adapters are driven by the gateway, not by its API" },
  { from: "core/adapters/", to: "core/gateway.ts", why: "adapters are wired by the gateway, never the reverse" },
  { from: "core/installs/", to: "core/gateway.ts", why: "features are wired by the gateway, never the reverse" },
  { from: "core/sessions/", to: "core/gateway.ts", why: "features are wired by the gateway, never the reverse" },
  { from: "core/providers/", to: "core/gateway.ts", why: "features are wired by the gateway, never the reverse" },
  { from: "core/config/", to: "core/gateway.ts", why: "config is read by the gateway, never the reverse" },
  { from: "core/control/", to: "core/gateway.ts", lazy: true, why: "the control API is an interface the gateway implements" },
];

/** Packages core must never load (architecture.md: core has no Ink, React or citty). */
const CORE_FORBIDDEN_PACKAGES = ["ink", "react", "citty", "ink-testing-library"];
/** Packages that make a module a dashboard module (slow to load; never on the CLI's eager path). */
const UI_PACKAGES = ["ink", "react"];
/** The binary's entry point. */
const ENTRY = "cli/main.ts";

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(d.name) && !d.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Every module specifier a file names, with whether it is loaded lazily. */
export function specifiers(file: string, text: string): Array<{ spec: string; lazy: boolean; typeOnly: boolean }> {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Array<{ spec: string; lazy: boolean; typeOnly: boolean }> = [];
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      found.push({ spec: n.moduleSpecifier.text, lazy: false, typeOnly: importIsTypeOnly(n) });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const named = n.exportClause && ts.isNamedExports(n.exportClause) ? n.exportClause.elements : undefined;
      found.push({ spec: n.moduleSpecifier.text, lazy: false, typeOnly: n.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)) });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
      found.push({ spec: n.moduleReference.expression.text, lazy: false, typeOnly: n.isTypeOnly });
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = n.arguments[0];
      if (a && ts.isStringLiteralLike(a)) found.push({ spec: a.text, lazy: true, typeOnly: false });
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      found.push({ spec: n.argument.literal.text, lazy: true, typeOnly: true });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function importIsTypeOnly(n: ts.ImportDeclaration): boolean {
  const c = n.importClause;
  if (!c) return false; // a side-effect import loads the module
  if (c.isTypeOnly) return true;
  const b = c.namedBindings;
  return !c.name && !!b && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly);
}

export interface Graph {
  files: string[];
  edges: Edge[];
  packages: Array<{ from: string; pkg: string; lazy: boolean; typeOnly: boolean }>;
}

/** The graph of src/: edges between files, named relative to src/. */
export function buildGraph(srcDir: string = SRC): Graph {
  const files = sourceFiles(srcDir).map((f) => relative(srcDir, f)).sort();
  const edges: Edge[] = [];
  const packages: Graph["packages"] = [];
  for (const f of files) {
    const abs = join(srcDir, f);
    for (const { spec, lazy, typeOnly } of specifiers(abs, readFileSync(abs, "utf8"))) {
      if (spec.startsWith(".")) edges.push({ from: f, to: relative(srcDir, resolve(dirname(abs), spec)), lazy, typeOnly });
      else packages.push({ from: f, pkg: spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!, lazy, typeOnly });
    }
  }
  return { files, edges, packages };
}

/** Every import circle over eager imports, each reported once (as the strongly connected component). */
export function findCycles(files: string[], edges: Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (!e.lazy) next.get(e.from)?.push(e.to);
  // Tarjan's strongly connected components: any component of 2+ files (or a self-import) is a circle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) strong(f);
  return cycles;
}

/** Whether loading `file` (its eager, run-time imports) loads Ink or React. */
export function loadsUi(g: Graph, file: string): boolean {
  const seen = new Set<string>();
  const todo = [file];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (g.packages.some((p) => p.from === f && !p.lazy && !p.typeOnly && UI_PACKAGES.includes(p.pkg))) return true;
    for (const e of g.edges) if (e.from === f && !e.lazy && !e.typeOnly) todo.push(e.to);
  }
  return false;
}

/** The rule an edge breaks, if any. */
export function brokenRule(g: Graph, e: Edge, rules: Rule[] = RULES): Rule | undefined {
  const rule = rules.find((r) => e.from.startsWith(r.from) && e.to.startsWith(r.to));
  if (!rule || rule.allow) return undefined;
  if (rule.lazy && (e.lazy || e.typeOnly)) return undefined;
  if (rule.unlessUi && !loadsUi(g, e.to)) return undefined;
  return rule;
}

/** All problems of the graph under src/, as lines to print; empty when the graph is clean. */
export function checkImports(srcDir: string = SRC): string[] {
  const g = buildGraph(srcDir);
  const { files, edges, packages } = g;
  const problems: string[] = [];
  for (const e of edges) if (!existsSync(join(srcDir, e.to))) problems.push(`src/${e.from}: imports src/${e.to}, which does not exist`);
  for (const c of findCycles(files, edges).sort((a, b) => a[0]!.localeCompare(b[0]!))) problems.push(`import circle: ${c.map((f) => `src/${f}`).join(" <-> ")}`);
  for (const e of edges) {
    const r = brokenRule(g, e);
    if (r) problems.push(`src/${e.from} imports src/${e.to}${e.lazy ? " (lazily)" : ""}: ${r.why}`);
  }
  for (const p of packages) {
    if (p.from.startsWith("core/") && CORE_FORBIDDEN_PACKAGES.includes(p.pkg)) problems.push(`src/${p.from} imports ${p.pkg}: core has no Ink, React or citty`);
  }
  // `--version`, `--help` and `status` must start without the dashboard's libraries.
  if (files.includes(ENTRY) && loadsUi(g, ENTRY)) problems.push(`src/${ENTRY} loads Ink or React at start-up: load the dashboard lazily`);
  return problems;
}

if (import.meta.main) {
  const problems = checkImports(process.argv[2] ? resolve(process.argv[2]) : SRC);
  if (problems.length === 0) {
    console.log("imports: no circles, nothing imports up the layers");
  } else {
    for (const p of problems) console.error(p);
    console.error(`imports: ${problems.length} problem(s); the layers are in scripts/check-imports.ts (RULES)`);
    process.exit(1);
  }
}
