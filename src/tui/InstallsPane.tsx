import { Box, Text } from "ink";
import { memo, useMemo } from "react";
import type { InstallStatus } from "../core/status.ts";
import { Cell, HeaderRow, Marker } from "./Cell.tsx";
import { barFill, formatEta, formatSize, formatSizePair, formatSpeed } from "../core/format.ts";
import { oneLine } from "./format.ts";
import { installColumns, type InstallColumn } from "./installColumns.ts";
import { installPace, type InstallPace, type InstallRates, type RateSample } from "../core/pace.ts";
import { installLook, isCancelled } from "../core/present.ts";
import { CANCELLED_TEXT, toneProps } from "./theme.ts";
import { sortTitle, type SortSpec } from "./sort.ts";
import { useStale } from "./stale.ts";
import { windowStart } from "./windowed.ts";

interface InstallsPaneProps {
  /** The rows as drawn: filtered and sorted. */
  installs: readonly InstallStatus[];
  /** Installs before the filter. */
  total: number;
  filter: string;
  sort: SortSpec | null;
  selected: number;
  rates: InstallRates;
  now: number;
  /** Rows available to the whole pane. */
  height: number;
  /** Terminal columns: the progress bar widens with them. */
  width: number;
}

export const EMPTY_INSTALLS = "Nothing installed yet — press i to pick a model or voice.";

/** Models and voices with live progress, speed and time left; the selected one's stage or error in full below. */
export const InstallsPane = memo(function InstallsPane({ installs, total, filter, sort, selected, rates, now, height, width }: InstallsPaneProps) {
  const longest = installs.reduce((n, x) => Math.max(n, x.target.length), 0);
  const layout = useMemo(() => installColumns(width, longest), [width, longest]);
  const titles = useMemo(() => layout.columns.map((c) => [sortTitle(c.title, c.id, sort), c.width] as const), [layout, sort]);
  if (installs.length === 0 && total > 0) return <Text dimColor>{`No installs match "${filter}" — esc clears the filter.`}</Text>;
  if (installs.length === 0) return <Text dimColor>{EMPTY_INSTALLS}</Text>;
  const current = installs[selected];
  // Header, rows, and the detail line of the selected install.
  const rows = Math.max(1, height - 2);
  const start = windowStart(installs.length, selected, rows);
  return (
    <Box flexDirection="column">
      <HeaderRow columns={titles} />
      {installs.slice(start, start + rows).map((x, i) => (
        <InstallRow key={x.target} install={x} columns={layout.columns} bar={layout.bar} selected={start + i === selected} sample={rates[x.target]} now={now} />
      ))}
      {current ? <DetailLine install={current} /> : null}
    </Box>
  );
});

interface InstallRowProps {
  install: InstallStatus;
  columns: readonly InstallColumn[];
  bar: number;
  selected: boolean;
  sample: RateSample | undefined;
  now: number;
}

const InstallRow = memo(function InstallRow({ install: x, columns, bar, selected, sample, now }: InstallRowProps) {
  const pace = installPace(x, sample, now);
  return (
    <Box>
      <Marker on={selected} />
      {columns.map((c) => (
        <InstallCell key={c.id} column={c} install={x} bar={bar} selected={selected} pace={pace} />
      ))}
    </Box>
  );
});

function InstallCell({ column, install: x, bar, selected, pace }: { column: InstallColumn; install: InstallStatus; bar: number; selected: boolean; pace: InstallPace }) {
  const width = column.width;
  const active = x.state === "installing" || x.state === "queued";
  switch (column.id) {
    case "target":
      return (
        <Cell width={width} bold={selected}>
          {x.target}
        </Cell>
      );
    case "state": {
      const look = installLook(x);
      return (
        <Cell width={width} {...toneProps(look.tone)}>
          {look.word}
        </Cell>
      );
    }
    case "progress":
      return <Cell width={width}>{active ? <ProgressBar percent={x.progress} width={bar} /> : "—"}</Cell>;
    case "size":
      return <Cell width={width}>{sizeText(x)}</Cell>;
    case "speed":
      if (pace.stalled) return <Cell width={width} color="yellow">stalled</Cell>;
      return <Cell width={width}>{pace.speed === null ? "—" : formatSpeed(pace.speed)}</Cell>;
    case "eta":
      return <Cell width={width}>{pace.etaMs === null ? "—" : formatEta(pace.etaMs)}</Cell>;
    case "detail":
      if (isCancelled(x)) return <Cell dimColor>{CANCELLED_TEXT}</Cell>;
      if (x.error && (x.state === "error" || x.state === "broken")) return <Cell color="red">{oneLine(x.error)}</Cell>;
      return <Cell dimColor>{x.stage ?? ""}</Cell>;
  }
}

/** "█████░░░░░  40%": filled cells in the installing colour, the rest dim. */
function ProgressBar({ percent, width }: { percent: number; width: number }) {
  const stale = useStale();
  const filled = barFill(percent, width);
  const p = Math.floor(Math.min(100, Math.max(0, percent)));
  return (
    <>
      <Text {...(stale ? {} : toneProps("busy"))}>{"█".repeat(filled)}</Text>
      <Text dimColor>{"░".repeat(width - filled)}</Text>
      {` ${String(p).padStart(3)}%`}
    </>
  );
}

/** Downloaded of total while it can still grow (installing, or an error a retry resumes); else the size. */
function sizeText(x: InstallStatus): string {
  if (x.totalBytes <= 0) return x.downloadedBytes > 0 ? formatSize(x.downloadedBytes) : "—";
  const partial = x.state === "installing" || x.state === "queued" || (x.state === "error" && x.downloadedBytes > 0 && x.downloadedBytes < x.totalBytes);
  return partial ? formatSizePair(x.downloadedBytes, x.totalBytes) : formatSize(x.totalBytes);
}

/** The selected install's error, or what it is doing, whole (the table's cell truncates). */
function DetailLine({ install: x }: { install: InstallStatus }) {
  if (isCancelled(x)) {
    return (
      <Text dimColor wrap="truncate-end">
        {x.target}: {x.error ? oneLine(x.error) : CANCELLED_TEXT}
      </Text>
    );
  }
  if (x.error && (x.state === "error" || x.state === "broken")) {
    return (
      <Text color="red">
        {x.state}: {oneLine(x.error)}
      </Text>
    );
  }
  if (x.stage && (x.state === "installing" || x.state === "queued")) {
    return (
      <Text dimColor wrap="truncate-end">
        {x.target}: {x.stage}
      </Text>
    );
  }
  return null;
}
