/**
 * What a pane shows: its rows after the `/` filter and the sort. The reducer (selection, the row
 * a key acts on) and the panes (drawing) both read these, so the cursor is always on the row
 * drawn under it. Results are memoised on their inputs, so React sees the same array until
 * something it depends on changes.
 */
import type { SessionInfo } from "../core/sessions/store.ts";
import type { AdapterStatus, InstallStatus, IntegrationStatus } from "../core/status.ts";
import type { PaneId } from "./panes.ts";
import { sortAdapters, sortInstalls, type SortSpec } from "./sort.ts";
import type { DashboardState, LogLine } from "./state.ts";

/** True when every word of `filter` occurs in one of `fields` (case-insensitive). */
export function matches(filter: string, ...fields: ReadonlyArray<string | null | undefined>): boolean {
  const words = filterWords(filter);
  if (words.length === 0) return true;
  const hay = fields.filter(Boolean).join("\n").toLowerCase();
  return words.every((w) => hay.includes(w));
}

function filterWords(filter: string): string[] {
  return filter.toLowerCase().split(/\s+/).filter(Boolean);
}

/** One remembered result per list: recomputed only when the list, filter or sort changes. */
function memo<T, R>(compute: (list: readonly T[], filter: string, sort: SortSpec | null) => readonly R[]) {
  let last: { list: readonly T[]; filter: string; sort: SortSpec | null; out: readonly R[] } | null = null;
  return (list: readonly T[], filter: string, sort: SortSpec | null): readonly R[] => {
    if (last && last.list === list && last.filter === filter && sameSort(last.sort, sort)) return last.out;
    const out = compute(list, filter, sort);
    last = { list, filter, sort, out };
    return out;
  };
}

function sameSort(a: SortSpec | null, b: SortSpec | null): boolean {
  return a === b || (a !== null && b !== null && a.column === b.column && a.desc === b.desc);
}

const adapters = memo<AdapterStatus, AdapterStatus>((list, filter, sort) => {
  const shown = filter ? list.filter((a) => matches(filter, a.name, a.kind, a.state, a.lastError)) : list;
  return sortAdapters(shown, sort);
});

const installs = memo<InstallStatus, InstallStatus>((list, filter, sort) => {
  const shown = filter ? list.filter((x) => matches(filter, x.target, x.state, x.stage, x.error)) : list;
  return sortInstalls(shown, sort);
});

const integrations = memo<IntegrationStatus, IntegrationStatus>((list, filter) => (filter ? list.filter((i) => matches(filter, i.name, i.state)) : list));

const sessions = memo<SessionInfo, SessionInfo>((list, filter) =>
  filter ? list.filter((s) => matches(filter, s.adapter, s.title, s.conversation, s.thread, s.state, s.lastErrorType, s.key)) : list,
);

const logs = memo<LogLine, LogLine>((list, filter) => (filter ? list.filter((l) => logMatches(filter, l)) : list));

export function logMatches(filter: string, l: { level: string; tag: string; message: string }): boolean {
  return matches(filter, l.level, l.tag, l.message);
}

export function visibleAdapters(state: DashboardState): readonly AdapterStatus[] {
  return adapters(state.status.adapters, state.filters.adapters, state.sort.adapters);
}

export function visibleInstalls(state: DashboardState): readonly InstallStatus[] {
  return installs(state.status.installs, state.filters.installs, state.sort.installs);
}

export function visibleIntegrations(state: DashboardState): readonly IntegrationStatus[] {
  return integrations(state.status.integrations, state.filters.integrations, null);
}

export function visibleSessions(state: DashboardState): readonly SessionInfo[] {
  return sessions(state.sessions, state.filters.sessions, null);
}

export function visibleLogs(state: DashboardState): readonly LogLine[] {
  return logs(state.logs, state.filters.logs, null);
}

/** A pane's rows as drawn: how many (selection is clamped to it), and the keys that follow a row through a filter or a re-sort. */
export interface PaneRows {
  count(state: DashboardState): number;
  /** Empty for a pane whose cursor is a scroll position (logs): it goes back to the tail instead. */
  keys(state: DashboardState): string[];
}

function paneRows<R>(visible: (state: DashboardState) => readonly R[], key?: (row: R) => string): PaneRows {
  return { count: (s) => visible(s).length, keys: (s) => (key ? visible(s).map(key) : []) };
}

/**
 * The panes with rows, and how to read them. A pane listed here is a table (or list) that `/`
 * filters and the cursor moves over; a pane that is not has no rows.
 */
export const PANE_ROWS: Partial<Record<PaneId, PaneRows>> = {
  adapters: paneRows(visibleAdapters, (a) => a.name),
  installs: paneRows(visibleInstalls, (x) => x.target),
  sessions: paneRows(visibleSessions, (s) => s.key),
  integrations: paneRows(visibleIntegrations, (i) => i.name),
  logs: paneRows(visibleLogs),
};
