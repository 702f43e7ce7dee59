import { Text } from "ink";
import { Fragment, memo } from "react";
import { PANE_TITLES, PANES, type PaneId } from "./panes.ts";

interface TabsProps {
  pane: PaneId;
  /** Panes with something wrong in them get a red mark, so trouble is visible from any tab. */
  alerts: Partial<Record<PaneId, boolean>>;
}

/**
 * The pane switcher: number, title, active one inverted. One truncated line, so a narrow
 * terminal loses the last titles rather than the row count the body was sized for.
 */
export const Tabs = memo(function Tabs({ pane, alerts }: TabsProps) {
  return (
    <Text wrap="truncate-end">
      {PANES.map((p, i) => (
        <Fragment key={p}>
          <Text inverse={p === pane} bold={p === pane}>
            {` ${i + 1} ${PANE_TITLES[p]}`}
            {alerts[p] ? <Text color="red">!</Text> : " "}
          </Text>{" "}
        </Fragment>
      ))}
    </Text>
  );
});
