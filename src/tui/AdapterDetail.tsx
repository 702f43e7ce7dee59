import { Box, Text } from "ink";
import { memo, useMemo, type ReactNode } from "react";
import type { AdapterStatus } from "../core/status.ts";
import { formatAge, formatClock, formatDuration, formatRetry } from "../core/format.ts";
import { oneLine, shownText } from "./format.ts";
import { adapterTimeline, type TimelineEntry } from "./history.ts";
import { MessageRow } from "./MessageList.tsx";
import { stateTone } from "../core/present.ts";
import { toneProps } from "./theme.ts";
import type { MessageLine, Transition } from "./state.ts";

interface AdapterDetailProps {
  adapter: AdapterStatus;
  transitions: readonly Transition[] | undefined;
  /** All message lines; this view picks the adapter's own. */
  messages: readonly MessageLine[];
  /** Events scrolled back from the newest; 0 follows the tail. */
  scroll: number;
  now: number;
  height: number;
  width: number;
}

const LABEL = 13;
// Title row, the margin above the events and their heading.
const FIXED_ROWS = 3;

/** One adapter in full: every status field, the whole last error, and its recent events. */
export const AdapterDetail = memo(function AdapterDetail({ adapter: a, transitions, messages, scroll, now, height, width }: AdapterDetailProps) {
  const timeline = useMemo(() => adapterTimeline(transitions, messages, a.name), [transitions, messages, a.name]);
  const fields = statusFields(a, now);
  const perRow = width >= 64 ? 2 : 1;
  const fieldRows: Array<typeof fields> = [];
  for (let i = 0; i < fields.length; i += perRow) fieldRows.push(fields.slice(i, i + perRow));
  const lastError = a.lastError ? shownText(a.lastError) : null;
  const errorRows = lastError ? wrappedRows(lastError, width - LABEL - 2) : 0;
  const offset = Math.min(scroll, Math.max(0, timeline.length - 1));
  const eventRows = Math.max(1, height - FIXED_ROWS - fieldRows.length - errorRows - (offset > 0 ? 1 : 0));
  const end = timeline.length - offset;
  const visible = timeline.slice(Math.max(0, end - eventRows), end);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{a.name}</Text>
        <Text dimColor>{` · ${a.kind} · `}</Text>
        <Text {...toneProps(stateTone(a.state))}>{a.state}</Text>
        <Text dimColor>{`  for ${sinceDuration(a.since, now)}`}</Text>
      </Text>
      {fieldRows.map((row) => (
        <Box key={row.map(([label]) => label).join("|")}>
          {row.map(([label, value]) => (
            <Field key={label} label={label} width={perRow === 2 ? Math.floor(width / 2) : undefined}>
              {value}
            </Field>
          ))}
        </Box>
      ))}
      {lastError ? (
        <Box>
          <Box width={LABEL + 2} flexShrink={0}>
            <Text dimColor>{"  last error"}</Text>
          </Box>
          <Text color="red" wrap="wrap">
            {lastError}
          </Text>
        </Box>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        <Text bold wrap="truncate-end">
          Recent events on {a.name}
          <Text dimColor> (newest last · j/k scroll · esc back)</Text>
        </Text>
        {timeline.length === 0 ? <Text dimColor>Nothing recorded yet.</Text> : null}
        {visible.map((entry) => (
          <TimelineRow key={entry.id} entry={entry} />
        ))}
        {offset > 0 ? <Text color="yellow">{`↓ ${offset} newer event${offset === 1 ? "" : "s"} below — j/↓ to follow`}</Text> : null}
      </Box>
    </Box>
  );
});

function Field({ label, width, children }: { label: string; width: number | undefined; children: ReactNode }) {
  return (
    <Box width={width} flexShrink={0} flexGrow={width === undefined ? 1 : 0}>
      <Box width={LABEL + 2} flexShrink={0}>
        <Text dimColor>{`  ${label}`}</Text>
      </Box>
      <Text wrap="truncate-end">{children}</Text>
    </Box>
  );
}

/** Every status field but name, kind, state and lastError, which have their own places. */
function statusFields(a: AdapterStatus, now: number): Array<readonly [string, ReactNode]> {
  const retry = formatRetry(a.nextRetryAt, now);
  return [
    ["restarts", <Text color={a.restarts > 0 ? "yellow" : undefined}>{String(a.restarts)}</Text>],
    ["since", stamped(a.since, now)],
    ["next retry", retry && a.nextRetryAt ? <Text color="yellow">{`${retry} (${formatClock(a.nextRetryAt)})`}</Text> : "—"],
    ["fingerprint", a.fingerprint ?? <Text dimColor>—</Text>],
    ["messages in", traffic(a.messagesIn, a.lastInboundAt, now)],
    ["messages out", traffic(a.messagesOut, a.lastOutboundAt, now)],
  ];
}

/** "12 · 12s ago (12:00:01)": how many, and when the last one was; "0" when nothing went through yet. */
function traffic(count: number | undefined, lastAt: string | null, now: number): string {
  const last = stamped(lastAt, now);
  return last === "—" ? String(count ?? 0) : `${count ?? 0} · ${last}`;
}

/** "12s ago (12:00:01)", or "—" for never. */
function stamped(iso: string | null, now: number): string {
  if (!iso) return "—";
  const age = formatAge(iso, now);
  return age === "—" ? "—" : `${age} (${formatClock(iso)})`;
}

function sinceDuration(since: string | null, now: number): string {
  const t = Date.parse(since ?? "");
  return Number.isNaN(t) ? "—" : formatDuration(now - t);
}

/** Rows `text` takes when wrapped at `width`, so the events below get what is left. */
function wrappedRows(text: string, width: number): number {
  const w = Math.max(10, width);
  return text.split("\n").reduce((n, line) => n + Math.max(1, Math.ceil(line.length / w)), 0);
}

const TimelineRow = memo(function TimelineRow({ entry }: { entry: TimelineEntry }) {
  return entry.kind === "message" ? <MessageRow message={entry.message} /> : <TransitionRow t={entry.transition} />;
});

function TransitionRow({ t }: { t: Transition }) {
  const to = toneProps(stateTone(t.to));
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{formatClock(t.at)} </Text>
      <Text {...to}>● </Text>
      {t.from ? <Text {...toneProps(stateTone(t.from))}>{t.from}</Text> : <Text dimColor>—</Text>}
      {" → "}
      <Text {...to}>{t.to}</Text>
      {t.restarts > 0 ? <Text dimColor>{`  restarts ${t.restarts}`}</Text> : null}
      {t.lastError ? <Text color="red">{`  ${oneLine(t.lastError)}`}</Text> : null}
    </Text>
  );
}
