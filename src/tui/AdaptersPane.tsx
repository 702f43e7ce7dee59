import { Box, Text } from "ink";
import { memo, useMemo } from "react";
import type { AdapterStatus } from "../core/status.ts";
import { adapterColumns, type AdapterColumn } from "./adapterColumns.ts";
import { Cell, HeaderRow, Marker } from "./Cell.tsx";
import { formatDuration, formatRetry } from "../core/format.ts";
import { formatTraffic, oneLine } from "./format.ts";
import { MessageList } from "./MessageList.tsx";
import { stateTone } from "../core/present.ts";
import { toneProps } from "./theme.ts";
import { sortTitle, type SortSpec } from "./sort.ts";
import { useStale } from "./stale.ts";
import { windowStart } from "./windowed.ts";
import type { MessageLine } from "./state.ts";

interface AdaptersPaneProps {
  /** The rows as drawn: filtered and sorted. */
  adapters: readonly AdapterStatus[];
  /** How many adapters there are before the filter. */
  total: number;
  filter: string;
  sort: SortSpec | null;
  selected: number;
  messages: readonly MessageLine[];
  now: number;
  /** Rows available to the whole pane. */
  height: number;
  /** Terminal columns, to choose which table columns fit. */
  width: number;
}

/** Channel health, and below it the live traffic of the selected channel. */
export const AdaptersPane = memo(function AdaptersPane({ adapters, total, filter, sort, selected, messages, now, height, width }: AdaptersPaneProps) {
  const stale = useStale();
  const current = adapters[selected];
  const detail = current ? detailLine(current, now, stale) : null;
  // The table gets at most half the pane so the message stream below stays readable.
  const tableRows = Math.min(adapters.length, Math.max(1, Math.floor((height - 3) / 2)));
  const messageRows = Math.max(1, height - 1 - tableRows - (detail ? 1 : 0) - 2);
  const name = current?.name;
  const columns = useMemo(() => adapterColumns(width), [width]);
  const titles = useMemo(() => columns.map((c) => [sortTitle(c.title, c.id, sort), c.width] as const), [columns, sort]);
  const recent = useMemo(() => {
    if (name === undefined) return [];
    const mine: MessageLine[] = [];
    // Walk back from the newest: only the last few matter and the buffer holds up to 200.
    for (let i = messages.length - 1; i >= 0 && mine.length < messageRows; i--) {
      const m = messages[i];
      if (m && m.adapter === name) mine.push(m);
    }
    return mine.reverse();
  }, [messages, name, messageRows]);

  if (!current && total > 0) {
    return (
      <Box flexDirection="column">
        <HeaderRow columns={titles} />
        <Text dimColor>{`No adapters match "${filter}" — esc clears the filter.`}</Text>
      </Box>
    );
  }
  if (!current) return <Text dimColor>No adapters configured. Add an [adapters.NAME] table to bosun.toml.</Text>;
  const start = windowStart(adapters.length, selected, tableRows);
  return (
    <Box flexDirection="column">
      <HeaderRow columns={titles} />
      {adapters.slice(start, start + tableRows).map((a, i) => (
        <AdapterRow key={a.name} adapter={a} columns={columns} selected={start + i === selected} now={now} />
      ))}
      {detail}
      <Box marginTop={1} flexDirection="column">
        <Text bold wrap="truncate-end">
          Messages on {current.name}
          <Text dimColor> (newest last · enter for details)</Text>
        </Text>
        <MessageList messages={recent} emptyText={`No messages on ${current.name} yet.`} />
      </Box>
    </Box>
  );
});

interface AdapterRowProps {
  adapter: AdapterStatus;
  columns: readonly AdapterColumn[];
  selected: boolean;
  now: number;
}

const AdapterRow = memo(function AdapterRow({ adapter: a, columns, selected, now }: AdapterRowProps) {
  return (
    <Box>
      <Marker on={selected} />
      {columns.map((c) => (
        <AdapterCell key={c.id} column={c} adapter={a} selected={selected} now={now} />
      ))}
    </Box>
  );
});

function AdapterCell({ column, adapter: a, selected, now }: { column: AdapterColumn; adapter: AdapterStatus; selected: boolean; now: number }) {
  const width = column.width;
  const stale = useStale();
  switch (column.id) {
    case "name":
      return (
        <Cell width={width} bold={selected}>
          {a.name}
        </Cell>
      );
    case "kind":
      return <Cell width={width}>{a.kind}</Cell>;
    case "state":
      return (
        <Cell width={width} {...toneProps(stateTone(a.state))}>
          {a.state}
        </Cell>
      );
    case "restarts":
      return (
        <Cell width={width} color={a.restarts > 0 ? "yellow" : undefined}>
          {String(a.restarts)}
        </Cell>
      );
    case "uptime":
      return <Cell width={width}>{uptimeText(a, now)}</Cell>;
    case "in":
      return <Cell width={width}>{formatTraffic(a.messagesIn, a.lastInboundAt, now)}</Cell>;
    case "out":
      return <Cell width={width}>{formatTraffic(a.messagesOut, a.lastOutboundAt, now)}</Cell>;
    case "detail":
      return <Cell width={width}>{detailCell(a, now, stale)}</Cell>;
  }
}

/** Time in `running`; any other state has no uptime to speak of. */
export function uptimeText(a: AdapterStatus, now: number): string {
  if (a.state !== "running") return "—";
  const t = Date.parse(a.since ?? "");
  return Number.isNaN(t) ? "—" : formatDuration(now - t);
}

/** In backoff or failed: when it retries, then why it failed; the cell truncates the error. */
function detailCell(a: AdapterStatus, now: number, stale: boolean) {
  if (a.state !== "backoff" && a.state !== "failed") return "";
  const retry = formatRetry(a.nextRetryAt, now);
  return (
    <>
      {retry ? <Text color={stale ? undefined : "yellow"}>{retry}</Text> : null}
      {retry && a.lastError ? " " : null}
      {a.lastError ? <Text color={stale ? undefined : "red"}>{oneLine(a.lastError)}</Text> : null}
    </>
  );
}

/** Why the selected adapter is unhealthy and when it will try again, if either applies. */
function detailLine(a: AdapterStatus, now: number, stale: boolean) {
  const retry = formatRetry(a.nextRetryAt, now);
  if (!a.lastError && !retry) return null;
  return (
    <Text wrap="truncate-end" dimColor={stale}>
      {a.lastError ? <Text color={stale ? undefined : "red"}>last error: {oneLine(a.lastError)}</Text> : null}
      {retry ? <Text color={stale ? undefined : "yellow"}>{`  ${retry}`}</Text> : null}
    </Text>
  );
}
