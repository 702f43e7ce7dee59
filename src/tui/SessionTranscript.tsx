import { Box, Text } from "ink";
import { memo, useMemo } from "react";
import { formatClock, formatCount, formatTinyAge } from "../core/format.ts";
import { sessionTone } from "../core/present.ts";
import type { SessionDetail, SessionInfo } from "../core/sessions/store.ts";
import { oneLine } from "./format.ts";
import { toneProps } from "./theme.ts";

interface SessionTranscriptProps {
  /** The transcript as last read; null until the first read answers. */
  detail: SessionDetail | null;
  /** The row it was opened from, shown while the first read is under way. */
  info: SessionInfo | undefined;
  /** Lines scrolled back from the newest; 0 follows new messages. */
  scroll: number;
  now: number;
  height: number;
}

/** One line of the transcript: a message, one still waiting, or a reply not delivered. */
interface Line {
  key: string;
  at: number;
  who: string;
  tone: "user" | "assistant" | "tool" | "waiting" | "dead" | "pending";
  note: string;
  text: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Every line of a session, oldest first: its messages, what waits, then what was not delivered. */
export function transcriptLines(d: SessionDetail): Line[] {
  const lines: Line[] = d.messages.map((m, i) => (m.role === "tool" ? toolLine(m, i) : {
    key: `m${i}`,
    at: m.createdAt,
    who: m.role,
    tone: m.role,
    note: [m.role === "assistant" && m.model ? m.model : "", m.errorType ? `[${m.errorType}]` : ""].filter(Boolean).join(" "),
    text: m.content,
  }));
  for (const w of d.waitingMessages) lines.push({ key: `w${w.id}`, at: w.receivedAt, who: "waiting", tone: "waiting", note: "", text: w.text });
  for (const o of d.outbox) {
    if (o.state === "sent") continue;
    lines.push({ key: `o${o.id}`, at: o.createdAt, who: o.state === "dead" ? "dead" : "unsent", tone: o.state === "dead" ? "dead" : "pending", note: o.lastError ?? "", text: o.text });
  }
  return lines;
}

/** A tool step on one dim line: its name (and source), its arguments, then its result; a failed one is marked. */
function toolLine(m: SessionDetail["messages"][number], i: number): Line {
  const t = m.tool;
  if (!t) return { key: `m${i}`, at: m.createdAt, who: "tool", tone: "tool", note: "", text: m.content };
  const note = [t.source ?? "no such tool", t.isError ? "error" : ""].filter(Boolean).join(" ");
  return { key: `m${i}`, at: m.createdAt, who: `tool ${t.name}`, tone: "tool", note, text: `${clipTo(t.arguments, 80)} → ${clipTo(t.result, 200)}` };
}

const clipTo = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

const TONE: Record<Line["tone"], { color?: string; dimColor?: boolean }> = { user: { color: "cyan" }, assistant: { color: "green" }, tool: { dimColor: true }, waiting: { color: "yellow" }, pending: { color: "yellow" }, dead: { color: "red" } };

// Title, usage and the margin above the lines.
const FIXED_ROWS = 3;

/** One session's transcript, newest last, following new messages unless scrolled back. */
export const SessionTranscript = memo(function SessionTranscript({ detail, info, scroll, now, height }: SessionTranscriptProps) {
  const s = detail ?? info;
  const lines = useMemo(() => (detail ? transcriptLines(detail) : []), [detail]);
  if (!s) return <Text dimColor>This session is gone. esc goes back.</Text>;
  const errorRow = s.lastErrorType ? 1 : 0;
  const offset = Math.min(scroll, Math.max(0, lines.length - 1));
  const rows = Math.max(1, height - FIXED_ROWS - errorRow - (offset > 0 ? 1 : 0));
  const end = lines.length - offset;
  const shown = lines.slice(Math.max(0, end - rows), end);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{oneLine(s.title ?? s.conversation)}</Text>
        {"  "}
        <Text {...toneProps(sessionTone(s))}>{s.state}</Text>
        <Text dimColor>{`  ${oneLine(s.key)}  id ${s.id.slice(0, 12)}`}</Text>
      </Text>
      <Text wrap="truncate-end" dimColor>
        {`${formatCount(s.messageCount)} messages · tokens ${formatCount(s.tokensIn)} in / ${formatCount(s.tokensOut)} out · waiting ${s.waiting} · unsent ${s.pendingOut} · dead ${s.deadOut}`}
      </Text>
      {s.lastErrorType ? (
        <Text color="red" wrap="truncate-end">{`last error: ${oneLine(s.lastErrorType)}${s.lastErrorAt ? ` (${formatTinyAge(iso(s.lastErrorAt), now)} ago)` : ""}`}</Text>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        {detail === null ? <Text dimColor>reading the transcript…</Text> : lines.length === 0 ? <Text dimColor>No messages yet.</Text> : null}
        {shown.map((l) => (
          <Text key={l.key} wrap="truncate-end">
            <Text dimColor>{formatClock(iso(l.at))} </Text>
            <Text {...TONE[l.tone]}>{oneLine(l.who)}</Text>
            {l.note ? <Text dimColor>{` (${oneLine(l.note)})`}</Text> : null}
            <Text dimColor={l.tone === "tool"}>{` ${oneLine(l.text)}`}</Text>
          </Text>
        ))}
        {offset > 0 ? <Text dimColor>{`↓ ${offset} newer (j follows)`}</Text> : null}
      </Box>
    </Box>
  );
});
