import { Text } from "ink";
import { PANE_INFO, type PaneId } from "./panes.ts";

/** The one dim line a pane shows while the part behind it does not exist yet. */
export function NotBuilt({ pane }: { pane: PaneId }) {
  return <Text dimColor>{PANE_INFO[pane].notBuilt}</Text>;
}
