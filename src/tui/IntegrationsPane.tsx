import { Box, Text } from "ink";
import { memo } from "react";
import { formatDuration } from "../core/format.ts";
import { stateTone } from "../core/present.ts";
import type { IntegrationStatus } from "../core/status.ts";
import { Cell, HeaderRow, Marker } from "./Cell.tsx";
import { oneLine } from "./format.ts";
import { INTEGRATION_COLUMNS } from "./integrationColumns.ts";
import type { DashboardState } from "./state.ts";
import { toneProps } from "./theme.ts";
import { windowStart } from "./windowed.ts";

interface IntegrationsPaneProps {
  /** The rows as drawn: those matching the filter. */
  integrations: readonly IntegrationStatus[];
  total: number;
  filter: string;
  selected: number;
  /** The offered total of the last read; null until one answered. */
  read: DashboardState["integrationsRead"];
  /** Why the last read failed; null when it did not. */
  error: string | null;
  /** False when this dashboard cannot read integrations at all. */
  readable: boolean;
  /** False while the gateway is lost: the rows are as last read. */
  connected: boolean;
  height: number;
}

export const NO_INTEGRATIONS = "No integrations configured: add [integrations.composio] (api_key, toolkits) or [integrations.mcp.NAME] (command or url) to bosun.toml.";

/** Every tool source (an MCP server, or a Composio toolkit): its state, tools offered, cache age, and why anything is not offered. */
export const IntegrationsPane = memo(function IntegrationsPane({ integrations, total, filter, selected, read, error, readable, connected, height }: IntegrationsPaneProps) {
  if (!readable) return <Text dimColor>This dashboard cannot read integrations; `bosun integrations` lists them.</Text>;
  const problems = [
    !connected ? (
      <Text key="gone" color="yellow" wrap="truncate-end">
        no gateway connection: the rows are as last read
      </Text>
    ) : null,
    error ? <Text key="error" color="red" wrap="truncate-end">{`cannot read integrations: ${oneLine(error)}`}</Text> : null,
  ].filter((p) => p !== null);
  if (integrations.length === 0) {
    return (
      <Box flexDirection="column">
        {problems}
        {total > 0 ? (
          <>
            <HeaderRow columns={INTEGRATION_COLUMNS} />
            <Text dimColor>{`No integrations match "${oneLine(filter)}" — esc clears the filter.`}</Text>
          </>
        ) : read === null ? (
          // Nothing read yet: "none configured" would be a guess (an error above says why).
          error ? null : <Text dimColor>reading the integrations…</Text>
        ) : (
          <Text dimColor wrap="wrap">
            {NO_INTEGRATIONS}
          </Text>
        )}
      </Box>
    );
  }
  const summary = read ? 1 : 0;
  const rows = Math.max(1, height - 1 - summary - problems.length);
  const start = windowStart(integrations.length, selected, rows);
  return (
    <Box flexDirection="column">
      {problems}
      {read ? <Text dimColor wrap="truncate-end">{`${read.offered} of ${read.maxTools} tools offered to the model · OFFERED is offered/listed`}</Text> : null}
      <HeaderRow columns={INTEGRATION_COLUMNS} />
      {integrations.slice(start, start + rows).map((x, i) => (
        <IntegrationRow key={x.name} row={x} selected={start + i === selected} />
      ))}
    </Box>
  );
});

/** What a row says of why it offers less than it lists: the report's reason, else the last error. */
export function reasonText(x: IntegrationStatus): string {
  return oneLine(x.reason ?? x.lastError ?? "");
}

const IntegrationRow = memo(function IntegrationRow({ row: x, selected }: { row: IntegrationStatus; selected: boolean }) {
  const [[, name], [, state], [, offered], [, cached]] = INTEGRATION_COLUMNS;
  return (
    <Box>
      <Marker on={selected} />
      <Cell width={name} bold={selected}>
        {oneLine(x.name)}
      </Cell>
      <Cell width={state} {...toneProps(stateTone(x.state))}>
        {oneLine(x.state)}
      </Cell>
      <Cell width={offered} color={x.offered < x.tools ? "yellow" : undefined}>{`${x.offered}/${x.tools}`}</Cell>
      <Cell width={cached}>{x.cacheAgeMs === null ? "—" : formatDuration(x.cacheAgeMs)}</Cell>
      <Cell dimColor>{reasonText(x)}</Cell>
    </Box>
  );
});
