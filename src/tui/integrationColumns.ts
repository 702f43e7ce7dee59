/**
 * What the Integrations pane draws, as plain data: the table's columns, and the lines of one
 * source's tools view (a tool, then each of its notes). Pure, so the reducer scrolls over exactly
 * the lines the view draws.
 */
import type { ToolNoteCode, ToolReport } from "../core/integrations/types.ts";
import { oneLine } from "./format.ts";

/** The table's columns: title and width including the gap (the last takes the rest). */
export const INTEGRATION_COLUMNS = [
  // Room for "composio:googlecalendar" less its end; at 80 columns the reason keeps 30.
  ["NAME", 20],
  ["STATE", 14],
  ["OFFERED", 8],
  ["CACHED", 7],
  ["REASON", undefined],
] as const;

/** One line of a source's tools view. */
export type ToolLine =
  | { key: string; kind: "tool"; offeredAs: string | null; name: string; description: string }
  | { key: string; kind: "note"; code: ToolNoteCode | null; text: string };

// A note's continuation lines sit under its text: "    renamed: " is 4 + code + 2.
const NOTE_INDENT = 4;

/**
 * Every line of the tools view, in the order the gateway lists the tools: each tool (the name
 * the model sees, or "not offered"), then every note on it, wrapped to `width` so no reason is
 * cut off. Server text is made one line and escaped.
 */
export function toolLines(tools: readonly ToolReport[], width: number): ToolLine[] {
  const lines: ToolLine[] = [];
  const room = Math.max(20, width - NOTE_INDENT - 1);
  tools.forEach((t, i) => {
    lines.push({ key: `t${i}`, kind: "tool", offeredAs: t.offeredAs === null ? null : oneLine(t.offeredAs), name: oneLine(t.name), description: oneLine(t.description ?? "") });
    t.notes.forEach((n, j) => {
      const code = oneLine(String(n.code));
      wrap(`${code}: ${oneLine(n.message)}`, room).forEach((text, k) => {
        lines.push({ key: `t${i}n${j}.${k}`, kind: "note", code: k === 0 ? n.code : null, text: k === 0 ? text.slice(code.length + 2) : text });
      });
    });
  });
  return lines;
}

/** Text cut into pieces of at most `width` characters, at a space where there is one. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let rest = text;
  for (let chars = Array.from(rest); chars.length > width; chars = Array.from(rest)) {
    let cut = chars.lastIndexOf(" ", width);
    if (cut <= 0) cut = width;
    out.push(chars.slice(0, cut).join("").trimEnd());
    rest = chars.slice(cut).join("").trimStart();
  }
  if (rest !== "" || out.length === 0) out.push(rest);
  return out;
}
