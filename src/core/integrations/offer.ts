import type { ToolFilter } from "./filters.ts";
import { assignToolNames } from "./names.ts";
import type { OfferedTool, SourceTool, ToolNote, ToolReport } from "./types.ts";
import { parametersOf, schemaProblem } from "./validate.ts";

/** What the hub knows of one source when it builds the offer. */
export interface Listing {
  /** "files", "composio". */
  source: string;
  filter: ToolFilter;
  /** Its tools (the cache entry's, or the last known while it is down); empty when none are known. */
  tools: readonly SourceTool[];
  /** Set when none of its tools can be offered now (a server down, a listing that failed): the note each tool gets. */
  blocked: ToolNote | null;
}

export interface Offer {
  offered: OfferedTool[];
  /** Every known tool, offered or not, with its notes; in offer order (source, then name). */
  reports: ToolReport[];
}

const schemaNotes = new WeakMap<SourceTool, ToolNote | null>();

/** A tool's schema check, once per listed tool object (a listing makes new objects; a cached one is checked once). */
function schemaNote(t: SourceTool): ToolNote | null {
  let note = schemaNotes.get(t);
  if (note === undefined) {
    const problem = schemaProblem(t.inputSchema);
    note = problem ? { code: "schema_rejected", message: problem } : null;
    schemaNotes.set(t, note);
  }
  return note;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The tools the model is offered, and why each other one is not. Order is fixed by source name,
 * then tool name, whatever order sources answered in: the same known tools give the same names
 * and the same cut at the limit on every listing. A tool is not offered when its source is blocked, a
 * filter drops it, its schema is rejected, or the limit was reached before it; one whose name had
 * to change for the provider (characters, a collision with another source's tool) is offered
 * under the new name with a `renamed` note.
 */
export function buildOffer(listings: readonly Listing[], maxTools: number): Offer {
  const sorted = [...listings].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const reports: ToolReport[] = [];
  const candidates: Array<{ report: ToolReport; tool: SourceTool }> = [];
  for (const l of sorted) {
    for (const t of [...l.tools].sort(byName)) {
      const notes: ToolNote[] = [];
      if (l.blocked) notes.push(l.blocked);
      const filtered = l.filter.check(t.name);
      if (filtered) notes.push(filtered);
      const schema = schemaNote(t);
      if (schema) notes.push(schema);
      const report: ToolReport = { source: l.source, ...(t.toolkit ? { toolkit: t.toolkit } : {}), name: t.name, offeredAs: null, ...(t.description ? { description: t.description } : {}), notes };
      reports.push(report);
      if (notes.length === 0) candidates.push({ report, tool: t });
    }
  }
  // Names are given over every known tool, offered or not: a tool keeps its name while a namesake
  // elsewhere goes down, is filtered or comes back (the offer is built again before every model call).
  const all = assignToolNames(reports.map((r) => ({ source: r.source, name: r.name })));
  const nameOf = new Map(reports.map((r, i) => [r, all[i]!]));
  const names = candidates.map((c) => nameOf.get(c.report)!);
  const offered: OfferedTool[] = [];
  candidates.forEach((c, i) => {
    if (offered.length >= maxTools) {
      c.report.notes.push({ code: "over_limit", message: `the provider takes at most ${maxTools} tools ([integrations] max_tools); ${candidates.length} qualify` });
      return;
    }
    const as = names[i]!;
    if (as !== c.report.name) c.report.notes.push({ code: "renamed", message: renameWhy(c.report.name, as) });
    c.report.offeredAs = as;
    const parameters = parametersOf(c.tool.inputSchema);
    c.report.parameters = parameters;
    offered.push({
      source: c.report.source,
      name: c.tool.name,
      definition: { type: "function", function: { name: as, ...(c.tool.description ? { description: cut(c.tool.description) } : {}), parameters } },
    });
  });
  return { offered, reports };
}

/** Descriptions go into every request: a server's essay is cut. */
const MAX_DESCRIPTION = 1_000;
const cut = (d: string) => (d.length > MAX_DESCRIPTION ? `${d.slice(0, MAX_DESCRIPTION - 1)}…` : d);

function renameWhy(from: string, to: string): string {
  const clean = /^[A-Za-z0-9_-]{1,64}$/.test(from);
  return clean ? `offered as ${to}: another tool already has the name ${from}` : `offered as ${to}: the provider accepts only letters, digits, "_" and "-" (at most 64)`;
}
