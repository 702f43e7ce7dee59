import { Box, Text } from "ink";
import { memo, useMemo } from "react";
import type { AdapterStatus } from "../core/status.ts";
import { Cell, HeaderRow, Marker } from "./Cell.tsx";
import { formatAge, formatDuration } from "./format.ts";
import { MessageList } from "./MessageList.tsx";
import type { MessageLine } from "./store.ts";
import { adapterTone, toneProps } from "./theme.ts";
import { windowStart } from "./windowed.ts";

interface AdaptersPaneProps {
  adapters: readonly AdapterStatus[];
  selected: number;
  messages: readonly MessageLine[];
  now: number;
  /** Rows available to the whole pane. */
  height: number;
}

const COLUMNS = [
  ["NAME", 16],
  ["KIND", 10],
  ["STATE", 10],
  ["RESTARTS", 9],
  ["SINCE", 10],
  ["LAST IN", 12],
  ["LAST OUT", undefined],
] as const;

/** Channel health, and below it the live traffic of the selected channel. */
export const AdaptersPane = memo(function AdaptersPane({ adapters, selected, messages, now, height }: AdaptersPaneProps) {
  const current = adapters[selected];
  const detail = current ? detailLine(current, now) : null;
  // The table gets at most half the pane so the message stream below stays readable.
  const tableRows = Math.min(adapters.length, Math.max(1, Math.floor((height - 3) / 2)));
  const messageRows = Math.max(1, height - 1 - tableRows - (detail ? 1 : 0) - 2);
  const name = current?.name;
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

  if (!current) return <Text dimColor>No adapters configured. Add an [adapters.NAME] table to bosun.toml.</Text>;
  const start = windowStart(adapters.length, selected, tableRows);
  return (
    <Box flexDirection="column">
      <HeaderRow columns={COLUMNS} />
      {adapters.slice(start, start + tableRows).map((a, i) => (
        <AdapterRow key={a.name} adapter={a} selected={start + i === selected} now={now} />
      ))}
      {detail}
      <Box marginTop={1} flexDirection="column">
        <Text bold wrap="truncate-end">
          Messages on {current.name}
          <Text dimColor> (newest last)</Text>
        </Text>
        <MessageList messages={recent} emptyText={`No messages on ${current.name} yet.`} />
      </Box>
    </Box>
  );
});

const AdapterRow = memo(function AdapterRow({ adapter: a, selected, now }: { adapter: AdapterStatus; selected: boolean; now: number }) {
  return (
    <Box>
      <Marker on={selected} />
      <Cell width={16} bold={selected}>
        {a.name}
      </Cell>
      <Cell width={10}>{a.kind}</Cell>
      <Cell width={10} {...toneProps(adapterTone(a.state))}>
        {a.state}
      </Cell>
      <Cell width={9} color={a.restarts > 0 ? "yellow" : undefined}>
        {String(a.restarts)}
      </Cell>
      <Cell width={10}>{sinceText(a.since, now)}</Cell>
      <Cell width={12}>{formatAge(a.lastInboundAt, now)}</Cell>
      <Cell>{formatAge(a.lastOutboundAt, now)}</Cell>
    </Box>
  );
});

function sinceText(since: string, now: number): string {
  const t = Date.parse(since);
  return Number.isNaN(t) ? "—" : formatDuration(now - t);
}

/** Why the selected adapter is unhealthy and when it will try again, if either applies. */
function detailLine(a: AdapterStatus, now: number) {
  if (!a.lastError && !a.nextRetryAt) return null;
  return (
    <Text wrap="truncate-end">
      {a.lastError ? <Text color="red">last error: {a.lastError}</Text> : null}
      {a.nextRetryAt ? <Text color="yellow">{`  retry ${formatAge(a.nextRetryAt, now)}`}</Text> : null}
    </Text>
  );
}
