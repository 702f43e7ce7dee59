import { Box, Text } from "ink";
import { memo, type ReactNode } from "react";
import { useStale } from "./stale.ts";

interface CellProps {
  /** Fixed width; omit for the last column, which takes what is left. */
  width?: number;
  color?: string;
  dimColor?: boolean;
  bold?: boolean;
  children: ReactNode;
}

/** One table cell: fixed width and truncated, so a long value never breaks the row layout. */
export function Cell({ width, color, dimColor, bold, children }: CellProps) {
  const stale = useStale();
  return (
    // The open-ended last column takes what is left and no more (basis 0), so a long value is
    // truncated instead of pushing the row past the terminal's width.
    <Box width={width} flexShrink={width === undefined ? 1 : 0} flexGrow={width === undefined ? 1 : 0} flexBasis={width === undefined ? 0 : undefined} paddingRight={1}>
      <Text wrap="truncate-end" color={stale ? undefined : color} dimColor={stale || dimColor} bold={bold}>
        {children}
      </Text>
    </Box>
  );
}

/** A header row of dim column titles; memoised because the column tables are constants. */
export const HeaderRow = memo(function HeaderRow({ columns }: { columns: ReadonlyArray<readonly [string, number | undefined]> }) {
  return (
    <Box>
      <Box width={1} flexShrink={0} />
      {columns.map(([title, width]) => (
        <Cell key={title} width={width} dimColor bold>
          {title}
        </Cell>
      ))}
    </Box>
  );
});

/** The leading cursor column: a marker on the selected row. */
export function Marker({ on }: { on: boolean }) {
  const stale = useStale();
  return (
    <Box width={1} flexShrink={0}>
      <Text color={stale ? undefined : "cyan"} dimColor={stale}>
        {on ? "›" : " "}
      </Text>
    </Box>
  );
}
