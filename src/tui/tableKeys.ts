/** The `/` filter and the sort keys (shift+letter, `o`) of the table panes, as reducer steps. */
import { adapterColumns } from "./adapterColumns.ts";
import { infoNotice } from "./control.ts";
import { installColumns } from "./installColumns.ts";
import { cycleSort, describeSort, isSortPane, sortByKey, sortKeys, type SortPane } from "./sort.ts";
import { PANE_TITLES, type PaneId } from "./panes.ts";
import { PANE_ROWS, visibleInstalls } from "./view.ts";
import type { DashboardState, FilterOp, SortOp } from "./state.ts";

/** A step of the `/` filter on the current pane. */
export function filterKey(state: DashboardState, action: FilterOp): DashboardState {
  const pane = state.pane;
  const text = state.filters[pane];
  switch (action.op) {
    case "open":
      if (state.help) return state;
      if (state.detail !== null) return { ...state, notice: infoNotice("/: close the details first (esc), then filter the table", action.at) };
      if (PANE_ROWS[pane] === undefined) return { ...state, notice: infoNotice(`/: nothing to filter on the ${PANE_TITLES[pane]} pane`, action.at) };
      return state.filtering ? state : { ...state, filtering: true };
    case "close":
      return state.filtering ? { ...state, filtering: false } : state;
    case "clear":
      if (!state.filtering && !text) return state;
      return withFilter({ ...state, filtering: false }, "");
    case "type":
      return action.text ? withFilter(state, text + action.text) : state;
    case "erase":
      // By code point, so a typed "é" or emoji goes in one press.
      return text ? withFilter(state, Array.from(text).slice(0, -1).join("")) : state;
    case "clearText":
      return text ? withFilter(state, "") : state;
  }
}

/** A sort key on the current pane. */
export function sortKey(state: DashboardState, action: SortOp): DashboardState {
  if (state.help) return state;
  const pane = state.pane;
  const what = action.letter === undefined ? "o" : `shift+${action.letter.toLowerCase()}`;
  if (!isSortPane(pane) || (pane === "adapters" && state.detail !== null)) {
    return { ...state, notice: infoNotice(`${what}: nothing to sort ${state.detail !== null ? "in the details" : `on the ${PANE_TITLES[pane]} pane`}`, action.at) };
  }
  const current = state.sort[pane];
  const next = action.letter === undefined ? cycleSort(pane, current) : sortByKey(pane, current, action.letter);
  if (!next) return { ...state, notice: infoNotice(`${what}: no such column here; sort with ${sortKeys(pane)}`, action.at) };
  // A narrow terminal leaves some columns out (KIND, SIZE at 80): the order still applies, and
  // the notice says why no header shows the arrow.
  const hidden = hiddenTitle(state, pane, next.column);
  const said = hidden ? `${describeSort(pane, next)} (${hidden} is hidden at ${state.columns} columns)` : describeSort(pane, next);
  const sorted = { ...state, sort: { ...state.sort, [pane]: next }, notice: infoNotice(said, action.at) };
  return keepSelection(state, sorted, pane);
}

/** The title of `column` when the table at this terminal width does not draw it; else null. */
function hiddenTitle(state: DashboardState, pane: SortPane, column: string): string | null {
  const all = pane === "adapters" ? adapterColumns(Number.MAX_SAFE_INTEGER) : installColumns(Number.MAX_SAFE_INTEGER, 0).columns;
  const drawn =
    pane === "adapters" ? adapterColumns(state.columns) : installColumns(state.columns, visibleInstalls(state).reduce((n, x) => Math.max(n, x.target.length), 0)).columns;
  if (drawn.some((c) => c.id === column)) return null;
  return all.find((c) => c.id === column)?.title ?? null;
}

/** Set the current pane's filter, keeping the cursor on the same row when it still shows. */
function withFilter(state: DashboardState, filter: string): DashboardState {
  const pane = state.pane;
  if (filter === state.filters[pane]) return state;
  const next = { ...state, filters: { ...state.filters, [pane]: filter } };
  return keepSelection(state, next, pane);
}

/**
 * After the rows of `pane` were filtered or reordered: the same item stays selected if it is
 * still shown, else the first row. A log view goes back to following the tail.
 */
function keepSelection(before: DashboardState, after: DashboardState, pane: PaneId): DashboardState {
  const key = rowKey(before, pane);
  const keys = rowKeys(after, pane);
  const i = key === undefined ? -1 : keys.indexOf(key);
  const sel = i === -1 ? 0 : i;
  return sel === after.selected[pane] ? after : { ...after, selected: { ...after.selected, [pane]: sel } };
}

function rowKeys(state: DashboardState, pane: PaneId): string[] {
  return PANE_ROWS[pane]?.keys(state) ?? [];
}

function rowKey(state: DashboardState, pane: PaneId): string | undefined {
  const keys = rowKeys(state, pane);
  return keys[Math.min(state.selected[pane], keys.length - 1)];
}
