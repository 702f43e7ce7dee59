/** Table sorting: which columns sort, on which shift+letter, in which order. Pure, so it is unit-tested. */
import type { AdapterState, AdapterStatus, InstallState, InstallStatus } from "../core/status.ts";

export type SortPane = "adapters" | "installs";

export interface SortSpec {
  column: string;
  desc: boolean;
}

interface SortColumn<T> {
  id: string;
  /** The shift+letter that sorts by it (k9s style). */
  key: string;
  label: string;
  /** Ascending order; ties always fall back to the name. */
  compare: (a: T, b: T) => number;
  /** Counts and durations read best largest first; names and states from the top. */
  desc: boolean;
}

// Trouble first: that is why someone sorts by state.
const ADAPTER_RANK: Record<AdapterState, number> = { failed: 0, backoff: 1, starting: 2, stopping: 3, stopped: 4, running: 5 };
const INSTALL_RANK: Record<InstallState, number> = { error: 0, broken: 1, installing: 2, queued: 3, missing: 4, installed: 5 };

const byText = (a: string, b: string) => a.localeCompare(b);
const byTime = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
/** Running adapters by how long they have run; anything else has no uptime and sorts below. */
const uptimeKey = (a: AdapterStatus) => (a.state === "running" ? -Date.parse(a.since ?? "") || 0 : Number.NEGATIVE_INFINITY);

const ADAPTER_COLUMNS: ReadonlyArray<SortColumn<AdapterStatus>> = [
  { id: "name", key: "N", label: "name", compare: (a, b) => byText(a.name, b.name), desc: false },
  { id: "kind", key: "K", label: "kind", compare: (a, b) => byText(a.kind, b.kind), desc: false },
  { id: "state", key: "S", label: "state", compare: (a, b) => ADAPTER_RANK[a.state] - ADAPTER_RANK[b.state], desc: false },
  { id: "restarts", key: "R", label: "restarts", compare: (a, b) => a.restarts - b.restarts, desc: true },
  { id: "uptime", key: "U", label: "uptime", compare: (a, b) => uptimeKey(a) - uptimeKey(b), desc: true },
  { id: "in", key: "I", label: "messages in", compare: (a, b) => (a.messagesIn ?? 0) - (b.messagesIn ?? 0) || byTime(a.lastInboundAt, b.lastInboundAt), desc: true },
  { id: "out", key: "O", label: "messages out", compare: (a, b) => (a.messagesOut ?? 0) - (b.messagesOut ?? 0) || byTime(a.lastOutboundAt, b.lastOutboundAt), desc: true },
];

const INSTALL_COLUMNS: ReadonlyArray<SortColumn<InstallStatus>> = [
  { id: "target", key: "T", label: "target", compare: (a, b) => byText(a.target, b.target), desc: false },
  { id: "state", key: "S", label: "state", compare: (a, b) => INSTALL_RANK[a.state] - INSTALL_RANK[b.state], desc: false },
  { id: "progress", key: "P", label: "progress", compare: (a, b) => a.progress - b.progress, desc: true },
  { id: "size", key: "Z", label: "size", compare: (a, b) => a.totalBytes - b.totalBytes, desc: true },
];

/** The order the gateway reports them in: adapters by name; installs as listed (null). */
export const DEFAULT_SORT: Record<SortPane, SortSpec | null> = { adapters: { column: "name", desc: false }, installs: null };

function columnsOf(pane: SortPane): ReadonlyArray<SortColumn<never>> {
  return (pane === "adapters" ? ADAPTER_COLUMNS : INSTALL_COLUMNS) as ReadonlyArray<SortColumn<never>>;
}

export function isSortPane(pane: string): pane is SortPane {
  return pane === "adapters" || pane === "installs";
}

/** "N name · K kind · …": the sort keys of a pane, for help and hints. */
export function sortKeys(pane: SortPane): string {
  return columnsOf(pane)
    .map((c) => `${c.key} ${c.label}`)
    .join(" · ");
}

/**
 * shift+letter on a pane: that column in its natural direction, or the other way round when it
 * already sorts by it. Null when no column of the pane has that letter.
 */
export function sortByKey(pane: SortPane, current: SortSpec | null, letter: string): SortSpec | null {
  const col = columnsOf(pane).find((c) => c.key === letter);
  if (!col) return null;
  if (current?.column === col.id) return { column: col.id, desc: !current.desc };
  return { column: col.id, desc: col.desc };
}

/** `o`: the next column (after the last, the first again), in its natural direction. */
export function cycleSort(pane: SortPane, current: SortSpec | null): SortSpec {
  const cols = columnsOf(pane);
  const i = current ? cols.findIndex((c) => c.id === current.column) : -1;
  const next = cols[(i + 1) % cols.length]!;
  return { column: next.id, desc: next.desc };
}

/** Human words for a notice: "sorted by restarts, most first". */
export function describeSort(pane: SortPane, spec: SortSpec): string {
  const col = columnsOf(pane).find((c) => c.id === spec.column);
  return `sorted by ${col?.label ?? spec.column} ${spec.desc ? "↓" : "↑"}`;
}

/** The header title of a column with the sort arrow when it is the sort column. */
export function sortTitle(title: string, id: string, spec: SortSpec | null): string {
  return spec?.column === id ? `${title}${spec.desc ? "↓" : "↑"}` : title;
}

export function sortAdapters(list: readonly AdapterStatus[], spec: SortSpec | null): readonly AdapterStatus[] {
  return sortWith(list, ADAPTER_COLUMNS, spec, (a, b) => byText(a.name, b.name));
}

export function sortInstalls(list: readonly InstallStatus[], spec: SortSpec | null): readonly InstallStatus[] {
  return sortWith(list, INSTALL_COLUMNS, spec, (a, b) => byText(a.target, b.target));
}

function sortWith<T>(list: readonly T[], cols: ReadonlyArray<SortColumn<T>>, spec: SortSpec | null, tie: (a: T, b: T) => number): readonly T[] {
  const col = spec ? cols.find((c) => c.id === spec.column) : undefined;
  if (!col || !spec) return list;
  const sign = spec.desc ? -1 : 1;
  return list.slice().sort((a, b) => sign * col.compare(a, b) || tie(a, b));
}
