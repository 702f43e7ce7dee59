/**
 * How `bosun integrations` prints tool sources and tools for people. Names, errors and
 * descriptions come from MCP servers and Composio, so every such text is escaped before it
 * reaches the terminal.
 */
import { formatDuration } from "../core/format.ts";
import type { IntegrationsReport, ToolReport } from "../core/integrations/types.ts";
import { escapeControls } from "../core/util/text.ts";
import { c, stateColor } from "./output.ts";

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** Columns padded to their widest cell; `paint` colours a cell after padding. */
function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, paint: (row: number, col: number, v: string) => string = (_r, _c, v) => v): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[], p: (col: number, v: string) => string) =>
    cells
      .map((v, i) => p(i, i === cells.length - 1 ? v : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [c.bold(line(head, (_i, v) => v)), ...rows.map((r, ri) => line(r, (ci, v) => paint(ri, ci, v)))];
}

/** The sources table and the offered total. */
export function renderIntegrations(r: IntegrationsReport): string {
  if (r.sources.length === 0) return c.dim("no tool sources configured: add [integrations.mcp.NAME] (command or url) or [integrations.composio] to bosun.toml");
  const rows = r.sources.map((s) => [
    escapeControls(s.name),
    s.kind,
    s.state,
    `${s.offered}/${s.tools}`,
    s.cacheAgeMs === null ? "—" : formatDuration(s.cacheAgeMs),
    s.reason ? escapeControls(clip(s.reason, 160)) : "",
  ]);
  const lines = table(["SOURCE", "KIND", "STATE", "OFFERED", "CACHED", "WHY"], rows, (ri, ci, v) => (ci === 2 ? stateColor(r.sources[ri]!.state)(v) : ci === 5 ? c.dim(v) : v));
  lines.push("", `${r.offered} tool${r.offered === 1 ? "" : "s"} offered to the model (at most ${r.maxTools}: [integrations] max_tools); \`bosun integrations tools [SOURCE]\` lists them and says why others are not`);
  return lines.join("\n");
}

/** Every tool, as the model receives it (or "not offered"), with each note. */
export function renderTools(tools: readonly ToolReport[]): string {
  if (tools.length === 0) return c.dim("no tools known from these sources (a source that is down or not connected lists none: `bosun integrations` says why)");
  const rows = tools.map((t) => [
    t.offeredAs === null ? "—" : escapeControls(t.offeredAs),
    escapeControls(t.toolkit ? `${t.source}:${t.toolkit}` : t.source),
    escapeControls(clip(t.name, 64)),
    t.notes.length === 0 ? "" : escapeControls(t.notes.map((n) => `${n.code.replaceAll("_", " ")}: ${n.message}`).join("; ")),
  ]);
  const offered = tools.filter((t) => t.offeredAs !== null).length;
  const lines = table(["OFFERED AS", "SOURCE", "TOOL", "NOTES"], rows, (ri, ci, v) => (ci === 0 && tools[ri]!.offeredAs === null ? c.yellow(v) : ci === 3 ? c.dim(v) : v));
  lines.push("", `${offered} of ${tools.length} offered`);
  return lines.join("\n");
}
