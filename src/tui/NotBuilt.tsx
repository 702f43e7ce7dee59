import { Text } from "ink";
import type { PaneId } from "./panes.ts";

const WHY: Record<PaneId, string> = {
  adapters: "Adapters arrive with the adapter supervisor (not built yet).",
  installs: "Installs arrive with the model installer (not built yet).",
  sessions: "Sessions arrive with the session runtime (not built yet).",
  integrations: "Integrations arrive with the integrations layer (not built yet).",
  logs: "Logs arrive with the logger (not built yet).",
};

/** The one dim line a pane shows while the part behind it does not exist yet. */
export function NotBuilt({ pane }: { pane: PaneId }) {
  return <Text dimColor>{WHY[pane]}</Text>;
}
