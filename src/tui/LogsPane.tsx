import { Box, Text } from "ink";
import { memo } from "react";
import { formatClock } from "../core/format.ts";
import { oneLine } from "./format.ts";
import { levelTone } from "../core/present.ts";
import { toneProps } from "./theme.ts";
import type { LogLine } from "./state.ts";

interface LogsPaneProps {
  /** The lines as drawn: those matching the filter. */
  logs: readonly LogLine[];
  /** Lines before the filter. */
  total: number;
  filter: string;
  /** Lines scrolled back from the newest; 0 follows the tail. */
  offset: number;
  height: number;
}

/** The tail of the gateway log, coloured by level. */
export const LogsPane = memo(function LogsPane({ logs, total, filter, offset, height }: LogsPaneProps) {
  if (logs.length === 0 && total > 0) return <Text dimColor>{`No log lines match "${filter}" — esc clears the filter.`}</Text>;
  if (logs.length === 0) return <Text dimColor>No log lines yet.</Text>;
  const rows = Math.max(1, height - (offset > 0 ? 1 : 0));
  const end = Math.max(0, logs.length - offset);
  const visible = logs.slice(Math.max(0, end - rows), end);
  return (
    <Box flexDirection="column">
      {visible.map((l) => (
        <LogRow key={l.id} line={l} />
      ))}
      {offset > 0 ? <Text color="yellow">{`↓ ${offset} newer line${offset === 1 ? "" : "s"} below — j/↓ to follow`}</Text> : null}
    </Box>
  );
});

/** Memoised per line: log lines never change, so scrolling and new lines render only what is new. */
const LogRow = memo(function LogRow({ line: l }: { line: LogLine }) {
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{formatClock(l.at)} </Text>
      <Text {...toneProps(levelTone(l.level))}>{l.level.toUpperCase().padEnd(5)} </Text>
      <Text color="magenta">[{oneLine(l.tag)}] </Text>
      {oneLine(l.message)}
    </Text>
  );
});
