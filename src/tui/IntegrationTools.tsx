import { Box, Text } from "ink";
import { memo, useMemo } from "react";
import { formatDuration } from "../core/format.ts";
import type { ToolNoteCode, ToolReport } from "../core/integrations/types.ts";
import { stateTone } from "../core/present.ts";
import type { IntegrationStatus } from "../core/status.ts";
import { oneLine } from "./format.ts";
import { helpWindow } from "./helpRows.ts";
import { toolLines, type ToolLine } from "./integrationColumns.ts";
import { reasonText } from "./IntegrationsPane.tsx";
import { toneProps } from "./theme.ts";

interface IntegrationToolsProps {
  /** The source's name (the row it was opened from). */
  source: string;
  /** Its row, as last read; undefined once it is no longer listed. */
  row: IntegrationStatus | undefined;
  /** Its tools as last read; null until the first read answers. */
  tools: readonly ToolReport[] | null;
  error: string | null;
  /** The first line shown. */
  scroll: number;
  height: number;
  width: number;
}

// A renamed tool is still offered: only a note. Every other code is why it is not offered.
const NOTE_TONE: Record<ToolNoteCode, { color?: string }> = {
  renamed: { color: "cyan" },
  not_allowed: { color: "yellow" },
  denied: { color: "yellow" },
  over_limit: { color: "yellow" },
  not_connected: { color: "yellow" },
  source_down: { color: "red" },
  unavailable: { color: "red" },
  schema_rejected: { color: "red" },
};

/**
 * One source's tools: the name the model sees (or "not offered"), the name at the source when
 * it differs, and every note on it: the answer to "why can't the bot see my tool?". Three rows
 * above the lines (title, the source's reason or a read error, a gap), so it scrolls like the help.
 */
export const IntegrationTools = memo(function IntegrationTools({ source, row, tools, error, scroll, height, width }: IntegrationToolsProps) {
  const lines = useMemo(() => toolLines(tools ?? [], width), [tools, width]);
  const w = helpWindow(lines.length, height, scroll);
  const offered = tools?.filter((t) => t.offeredAs !== null).length ?? 0;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{oneLine(source)}</Text>
        {row ? <Text {...toneProps(stateTone(row.state))}>{`  ${oneLine(row.state)}`}</Text> : <Text dimColor> no longer listed</Text>}
        {tools ? <Text dimColor>{`  ${offered} of ${tools.length} tools offered`}</Text> : null}
        {row && row.cacheAgeMs !== null ? <Text dimColor>{` · cached ${formatDuration(row.cacheAgeMs)} ago`}</Text> : null}
      </Text>
      {error ? (
        <Text color="red" wrap="truncate-end">{`cannot read its tools: ${oneLine(error)}`}</Text>
      ) : (
        <Text color="yellow" wrap="truncate-end">
          {row ? reasonText(row) : ""}
        </Text>
      )}
      <Text> </Text>
      {tools === null ? <Text dimColor>{error ? "" : "reading its tools…"}</Text> : lines.length === 0 ? <Text dimColor>It lists no tools.</Text> : null}
      {lines.slice(w.start, w.start + w.count).map((l) => (
        <ToolRow key={l.key} line={l} />
      ))}
      {w.below > 0 ? <Text color="yellow">{`↓ ${w.below} more below (j)`}</Text> : null}
    </Box>
  );
});

function ToolRow({ line: l }: { line: ToolLine }) {
  if (l.kind === "note") {
    return (
      <Text wrap="truncate-end">
        {"    "}
        {l.code !== null ? <Text {...NOTE_TONE[l.code]}>{`${oneLine(l.code)}: `}</Text> : null}
        <Text>{l.text}</Text>
      </Text>
    );
  }
  return (
    <Text wrap="truncate-end">
      {l.offeredAs !== null ? <Text color="green">{l.offeredAs}</Text> : <Text color="yellow">not offered</Text>}
      {l.offeredAs !== l.name ? <Text dimColor>{`  ${l.offeredAs === null ? "" : "at the source: "}${l.name}`}</Text> : null}
      {l.description ? <Text dimColor>{`  ${l.description}`}</Text> : null}
    </Text>
  );
}
