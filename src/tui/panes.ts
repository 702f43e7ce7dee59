/**
 * The dashboard's panes, in tab order: the one place a pane is declared. Everything kept per pane
 * (cursor, filter, which panes are built, tab titles) is derived from this table with `perPane`,
 * so a new pane is its component, its entry here and its case in PaneBody.tsx (plus its rows in
 * view.ts when it has a table). A module of its own, importing nothing, so reducer steps can name
 * panes without importing the store.
 */

/** What the dashboard knows of a pane before drawing it. */
export interface PaneInfo {
  /** Its tab's title. */
  title: string;
  /** Whether the part behind it exists today; otherwise the pane shows `notBuilt`. */
  built: boolean;
  /** The one dim line the pane shows while it is not built. */
  notBuilt: string;
}

const TABLE = {
  adapters: { title: "Adapters", built: true, notBuilt: "Adapters arrive with the adapter supervisor (not built yet)." },
  installs: { title: "Installs", built: true, notBuilt: "Installs arrive with the model installer (not built yet)." },
  sessions: { title: "Sessions", built: true, notBuilt: "Sessions arrive with the session runtime (not built yet)." },
  integrations: { title: "Integrations", built: true, notBuilt: "Integrations arrive with the integrations layer (not built yet)." },
  logs: { title: "Logs", built: true, notBuilt: "Logs arrive with the logger (not built yet)." },
} satisfies Record<string, PaneInfo>;

export type PaneId = keyof typeof TABLE;

/** Every pane's entry, by id. */
export const PANE_INFO: Readonly<Record<PaneId, PaneInfo>> = TABLE;

export function isPaneId(id: string): id is PaneId {
  return Object.hasOwn(TABLE, id);
}

/** The panes in tab order (the table's order; keys 1-N select them). */
export const PANES: readonly PaneId[] = Object.keys(TABLE).filter(isPaneId);

/**
 * One value per pane, e.g. `perPane(0)` for the cursors or `perPane((p) => PANE_INFO[p].built)`:
 * a record that can't miss a pane, because it is filled from the pane list itself.
 */
export function perPane<T>(value: T | ((pane: PaneId) => T)): Record<PaneId, T> {
  const out: { [P in PaneId]?: T } = {};
  for (const p of PANES) out[p] = value instanceof Function ? value(p) : value;
  if (!fillsEveryPane(out)) throw new Error("perPane: a pane was left out");
  return out;
}

function fillsEveryPane<T>(record: { [P in PaneId]?: T }): record is Record<PaneId, T> {
  return PANES.every((p) => Object.hasOwn(record, p));
}

export const PANE_TITLES: Readonly<Record<PaneId, string>> = perPane((p) => PANE_INFO[p].title);
