import { Box, Text } from "ink";
import { memo, useMemo } from "react";
import type { InstallStatus } from "../core/status.ts";
import { Cell, HeaderRow, Marker } from "./Cell.tsx";
import { formatSize } from "../core/format.ts";
import { oneLine } from "./format.ts";
import { filterCatalog } from "./picker.ts";
import type { CatalogItem } from "./source.ts";
import { installLook } from "../core/present.ts";
import { toneProps } from "./theme.ts";
import { windowStart } from "./windowed.ts";
import type { CatalogCache, PickerState } from "./state.ts";

interface CatalogPickerProps {
  picker: PickerState;
  catalog: CatalogCache;
  /** To mark entries that are already installed (or on their way). */
  installs: readonly InstallStatus[];
  height: number;
  width: number;
}

export const PICKER_HINT = "type to filter · ↑/↓ or ctrl+p/ctrl+n move · backspace edit · enter install · esc close";

const LANG = 13; // "multilingual" and a gap
const SIZE = 11; // "1.50 GiB"
const STATE = 11;
// Border (2), title, filter line, header and hint.
const CHROME = 6;

/** The catalogue, filtered as the user types; enter installs the highlighted entry. Drawn over the Installs pane. */
export const CatalogPicker = memo(function CatalogPicker({ picker, catalog, installs, height, width }: CatalogPickerProps) {
  const entries = catalog.entries;
  const list = useMemo(() => (entries ? filterCatalog(entries, picker.filter) : []), [entries, picker.filter]);
  const states = useMemo(() => new Map(installs.map((x) => [x.target, x])), [installs]);
  const inner = Math.max(20, width - 4);
  const longest = list.reduce((n, e) => Math.max(n, e.target.length), 0);
  const target = Math.min(Math.max(14, longest + 1), Math.max(14, Math.floor(inner * 0.45)));
  const columns = useMemo(
    () =>
      [
        ["TARGET", target],
        ["LANGUAGE", LANG],
        ["SIZE", SIZE],
        ["STATE", STATE],
        ["DESCRIPTION", undefined],
      ] as const,
    [target],
  );
  const rows = Math.max(1, height - CHROME);
  const cursor = Math.min(picker.cursor, Math.max(0, list.length - 1));
  const start = windowStart(list.length, cursor, rows);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={height} overflow="hidden">
      <Text wrap="truncate-end">
        <Text bold>Install a model or voice</Text>
        {entries ? <Text dimColor>{`  ${list.length} of ${entries.length}`}</Text> : null}
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>filter: </Text>
        <Text color="cyan">{picker.filter}</Text>
        <Text inverse> </Text>
      </Text>
      <HeaderRow columns={columns} />
      <Box flexDirection="column" height={rows} overflow="hidden">
        {entries === null ? (
          catalog.error !== null ? (
            <Text color="red">{`could not load the catalogue: ${oneLine(catalog.error)}`}</Text>
          ) : (
            <Text dimColor>loading the catalogue…</Text>
          )
        ) : list.length === 0 ? (
          <Text dimColor>{`nothing matches "${picker.filter}" — backspace to edit`}</Text>
        ) : (
          list.slice(start, start + rows).map((e, i) => <EntryRow key={e.target} entry={e} target={target} selected={start + i === cursor} state={states.get(e.target)} />)
        )}
      </Box>
      <Text dimColor wrap="truncate-end">
        {PICKER_HINT}
      </Text>
    </Box>
  );
});

interface EntryRowProps {
  entry: CatalogItem;
  target: number;
  selected: boolean;
  state: InstallStatus | undefined;
}

const EntryRow = memo(function EntryRow({ entry: e, target, selected, state }: EntryRowProps) {
  // "missing" is what every uninstalled entry is; only say something when it is not.
  const look = state && state.state !== "missing" ? installLook(state) : null;
  return (
    <Box>
      <Marker on={selected} />
      <Cell width={target} bold={selected} color={selected ? "cyan" : undefined}>
        {e.target}
      </Cell>
      <Cell width={LANG}>{e.language}</Cell>
      <Cell width={SIZE}>{formatSize(e.size)}</Cell>
      <Cell width={STATE} {...(look ? toneProps(look.tone) : {})}>
        {look?.word ?? ""}
      </Cell>
      <Cell dimColor>{e.description}</Cell>
    </Box>
  );
});
