/** Run with plugin.ts preloaded: reports what the dashboard makes of the extra pane, as JSON on stdout. */
import { render } from "ink-testing-library";
import { DEFAULT_BUILT } from "../../../src/tui/App.tsx";
import { NotBuilt } from "../../../src/tui/NotBuilt.tsx";
import { PANES } from "../../../src/tui/panes.ts";
import { dashboardReducer, initialDashboardState, paneLength } from "../../../src/tui/store.ts";
import { Tabs } from "../../../src/tui/Tabs.tsx";

const s0 = initialDashboardState("0.1.0", true);
// The new pane is the 5th tab: its digit selects it, and `/` there says there is nothing to filter.
const onIt = dashboardReducer(s0, { kind: "key", input: "5", key: {}, at: 0 });
const filtering = dashboardReducer(onIt, { kind: "key", input: "/", key: {}, at: 0 });
const tabs = render(<Tabs pane={onIt.pane} alerts={{}} />);
const line = render(<NotBuilt pane={onIt.pane} />);
const out = {
  panes: PANES,
  selected: s0.selected,
  filters: s0.filters,
  built: DEFAULT_BUILT,
  pane: onIt.pane,
  rows: paneLength(onIt, onIt.pane),
  notice: filtering.notice?.text ?? null,
  tabs: tabs.lastFrame() ?? "",
  notBuilt: line.lastFrame() ?? "",
};
tabs.unmount();
line.unmount();
process.stdout.write(JSON.stringify(out));
