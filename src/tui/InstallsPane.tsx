import { Box, Text } from "ink";
import { memo } from "react";
import type { InstallStatus } from "../core/status.ts";
import { Cell, HeaderRow, Marker } from "./Cell.tsx";
import { formatBytes, progressBar } from "./format.ts";
import { installTone, toneProps } from "./theme.ts";
import { windowStart } from "./windowed.ts";

interface InstallsPaneProps {
  installs: readonly InstallStatus[];
  selected: number;
  height: number;
}

const COLUMNS = [
  ["TARGET", 30],
  ["STATE", 11],
  ["PROGRESS", 18],
  ["SIZE", 18],
  ["DETAIL", undefined],
] as const;

/** Model installs with live progress. */
export const InstallsPane = memo(function InstallsPane({ installs, selected, height }: InstallsPaneProps) {
  if (installs.length === 0) {
    return <Text dimColor>Nothing installed yet. Try `bosun install whisper:base.en`, or list targets under [installs] want.</Text>;
  }
  const rows = Math.max(1, height - 1);
  const start = windowStart(installs.length, selected, rows);
  return (
    <Box flexDirection="column">
      <HeaderRow columns={COLUMNS} />
      {installs.slice(start, start + rows).map((x, i) => (
        <InstallRow key={x.target} install={x} selected={start + i === selected} />
      ))}
    </Box>
  );
});

function InstallRow({ install: x, selected }: { install: InstallStatus; selected: boolean }) {
  const active = x.state === "installing" || x.state === "queued";
  return (
    <Box>
      <Marker on={selected} />
      <Cell width={30} bold={selected}>
        {x.target}
      </Cell>
      <Cell width={11} {...toneProps(installTone(x.state))}>
        {x.state}
      </Cell>
      <Cell width={18}>{active ? `${progressBar(x.progress)} ${Math.round(x.progress)}%` : "—"}</Cell>
      <Cell width={18}>{sizeText(x, active)}</Cell>
      {x.error ? <Cell color="red">{x.error}</Cell> : <Cell dimColor>{x.stage ?? ""}</Cell>}
    </Box>
  );
}

function sizeText(x: InstallStatus, active: boolean): string {
  if (x.totalBytes <= 0) return active && x.downloadedBytes > 0 ? formatBytes(x.downloadedBytes) : "—";
  return active ? `${formatBytes(x.downloadedBytes)} / ${formatBytes(x.totalBytes)}` : formatBytes(x.totalBytes);
}
