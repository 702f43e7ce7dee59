import { Box, Text } from "ink";
import { memo } from "react";
import { PANE_TITLES, PANES, type PaneId } from "./store.ts";

interface TabsProps {
  pane: PaneId;
  /** Panes with something wrong in them get a red mark, so trouble is visible from any tab. */
  alerts: Partial<Record<PaneId, boolean>>;
}

/** The pane switcher: number, title, active one inverted. */
export const Tabs = memo(function Tabs({ pane, alerts }: TabsProps) {
  return (
    <Box>
      {PANES.map((p, i) => (
        <Box key={p} marginRight={1}>
          <Text inverse={p === pane} bold={p === pane}>
            {` ${i + 1} ${PANE_TITLES[p]}`}
            {alerts[p] ? <Text color="red">!</Text> : " "}
          </Text>
        </Box>
      ))}
    </Box>
  );
});
