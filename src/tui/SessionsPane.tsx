import { Box, Text } from "ink";
import { memo, useMemo } from "react";
import { formatCount, formatTinyAge } from "../core/format.ts";
import { sessionTone, undeliveredText } from "../core/present.ts";
import type { SessionInfo } from "../core/sessions/store.ts";
import { Cell, HeaderRow, Marker } from "./Cell.tsx";
import { oneLine } from "./format.ts";
import { sessionColumns, type SessionColumn } from "./sessionColumns.ts";
import { toneProps } from "./theme.ts";
import { windowStart } from "./windowed.ts";

interface SessionsPaneProps {
  /** The rows as drawn (filtered). */
  sessions: readonly SessionInfo[];
  /** How many there are before the filter. */
  total: number;
  filter: string;
  selected: number;
  /** Why the listing could not be read, if it could not; null when it was. */
  error: string | null;
  /** False when this dashboard cannot read sessions at all. */
  readable: boolean;
  /** Keys of the sessions whose voice message is being transcribed now. */
  transcribing?: readonly string[];
  now: number;
  height: number;
  width: number;
}

/** Every conversation: where it is, how it is doing, what it owes. */
export const SessionsPane = memo(function SessionsPane({ sessions, total, filter, selected, error, readable, transcribing = [], now, height, width }: SessionsPaneProps) {
  const columns = useMemo(() => sessionColumns(width), [width]);
  const titles = useMemo(() => columns.map((c) => [c.title, c.width] as const), [columns]);
  if (!readable) return <Text dimColor>This dashboard cannot read sessions; `bosun sessions` lists them.</Text>;
  const problem = error ? <Text color="red" wrap="truncate-end">{`cannot read sessions: ${oneLine(error)}`}</Text> : null;
  if (sessions.length === 0) {
    return (
      <Box flexDirection="column">
        {problem}
        {total > 0 ? (
          <>
            <HeaderRow columns={titles} />
            <Text dimColor>{`No sessions match "${oneLine(filter)}" — esc clears the filter.`}</Text>
          </>
        ) : (
          <Text dimColor>No sessions yet: one starts with a conversation's first message.</Text>
        )}
      </Box>
    );
  }
  const rows = Math.max(1, height - 1 - (problem ? 1 : 0));
  const start = windowStart(sessions.length, selected, rows);
  return (
    <Box flexDirection="column">
      {problem}
      <HeaderRow columns={titles} />
      {sessions.slice(start, start + rows).map((s, i) => (
        <SessionRow key={s.key} session={s} columns={columns} selected={start + i === selected} transcribing={transcribing.includes(s.key)} now={now} />
      ))}
    </Box>
  );
});

const SessionRow = memo(function SessionRow({ session: s, columns, selected, transcribing, now }: { session: SessionInfo; columns: readonly SessionColumn[]; selected: boolean; transcribing: boolean; now: number }) {
  return (
    <Box>
      <Marker on={selected} />
      {columns.map((c) => (
        <SessionCell key={c.id} column={c} session={s} selected={selected} transcribing={transcribing} now={now} />
      ))}
    </Box>
  );
});

/** Said in the PROBLEM cell while the session's voice message is being transcribed. */
export const TRANSCRIBING = "🎤 transcribing…";

/** What the PROBLEM cell says: a transcription running, undelivered replies, then the last error's type. */
export function problemText(s: SessionInfo, transcribing = false): string {
  return [transcribing ? TRANSCRIBING : "", undeliveredText(s), s.lastErrorType ? oneLine(s.lastErrorType) : ""].filter(Boolean).join(" · ");
}

function SessionCell({ column, session: s, selected, transcribing, now }: { column: SessionColumn; session: SessionInfo; selected: boolean; transcribing: boolean; now: number }) {
  const width = column.width;
  const tone = toneProps(sessionTone(s));
  switch (column.id) {
    case "adapter":
      return <Cell width={width}>{oneLine(s.adapter)}</Cell>;
    case "title":
      return (
        <Cell width={width} bold={selected}>
          {oneLine(s.title ?? s.conversation)}
        </Cell>
      );
    case "state":
      return (
        <Cell width={width} {...tone}>
          {s.state}
        </Cell>
      );
    case "active":
      return <Cell width={width}>{formatTinyAge(new Date(s.lastActivityAt).toISOString(), now) || "—"}</Cell>;
    case "msgs":
      return <Cell width={width}>{formatCount(s.messageCount)}</Cell>;
    case "tokens":
      return <Cell width={width}>{`${formatCount(s.tokensIn)}/${formatCount(s.tokensOut)}`}</Cell>;
    case "waiting":
      return (
        <Cell width={width} color={s.waiting > 0 ? "yellow" : undefined}>
          {String(s.waiting)}
        </Cell>
      );
    case "problem":
      return (
        <Cell width={width} color={s.deadOut > 0 || s.state === "errored" ? "red" : s.pendingOut > 0 ? "yellow" : undefined}>
          {problemText(s, transcribing)}
        </Cell>
      );
  }
}
