/** The dashboard's panes, in tab order. A module of its own so reducer steps can name panes without importing the store. */
export const PANES = ["adapters", "installs", "sessions", "integrations", "logs"] as const;
export type PaneId = (typeof PANES)[number];

export const PANE_TITLES: Record<PaneId, string> = {
  adapters: "Adapters",
  installs: "Installs",
  sessions: "Sessions",
  integrations: "Integrations",
  logs: "Logs",
};
