import { Box, Text } from "ink";
import { memo } from "react";
import type { IntegrationStatus } from "../core/status.ts";
import { Cell, HeaderRow, Marker } from "./Cell.tsx";
import { formatDuration } from "../core/format.ts";
import { stateTone } from "../core/present.ts";
import { toneProps } from "./theme.ts";
import { windowStart } from "./windowed.ts";

interface IntegrationsPaneProps {
  /** The rows as drawn: those matching the filter. */
  integrations: readonly IntegrationStatus[];
  total: number;
  filter: string;
  selected: number;
  height: number;
}

const COLUMNS = [
  ["NAME", 20],
  ["STATE", 12],
  ["TOOLKITS", 10],
  ["CACHE AGE", undefined],
] as const;

/** Connected tool providers and how fresh their cached tool lists are. */
export const IntegrationsPane = memo(function IntegrationsPane({ integrations, total, filter, selected, height }: IntegrationsPaneProps) {
  if (integrations.length === 0 && total > 0) return <Text dimColor>{`No integrations match "${filter}" — esc clears the filter.`}</Text>;
  if (integrations.length === 0) {
    return <Text dimColor>No integrations configured. Add [integrations.composio] or [integrations.mcp.NAME] to bosun.toml.</Text>;
  }
  const rows = Math.max(1, height - 1);
  const start = windowStart(integrations.length, selected, rows);
  return (
    <Box flexDirection="column">
      <HeaderRow columns={COLUMNS} />
      {integrations.slice(start, start + rows).map((x, i) => (
        <Box key={x.name}>
          <Marker on={start + i === selected} />
          <Cell width={20} bold={start + i === selected}>
            {x.name}
          </Cell>
          <Cell width={12} {...toneProps(stateTone(x.state))}>
            {x.state}
          </Cell>
          <Cell width={10}>{`${x.offered}/${x.tools}`}</Cell>
          <Cell>{x.cacheAgeMs === null ? "—" : formatDuration(x.cacheAgeMs)}</Cell>
        </Box>
      ))}
    </Box>
  );
});
