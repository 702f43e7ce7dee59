import { AdaptersPane } from "./AdaptersPane.tsx";
import { InstallsPane } from "./InstallsPane.tsx";
import { IntegrationsPane } from "./IntegrationsPane.tsx";
import { LogsPane } from "./LogsPane.tsx";
import { NotBuilt } from "./NotBuilt.tsx";
import { SessionsPane } from "./SessionsPane.tsx";
import { selectedIndex, type DashboardState, type PaneId } from "./store.ts";

interface PaneBodyProps {
  state: DashboardState;
  built: Record<PaneId, boolean>;
  now: number;
  height: number;
}

/** The active pane, or its "not built yet" line. Only the active pane renders at all. */
export function PaneBody({ state, built, now, height }: PaneBodyProps) {
  const pane = state.pane;
  if (!built[pane]) return <NotBuilt pane={pane} />;
  const sel = selectedIndex(state, pane);
  const { status } = state;
  switch (pane) {
    case "adapters":
      return <AdaptersPane adapters={status.adapters} selected={sel} messages={state.messages} now={now} height={height} />;
    case "installs":
      return <InstallsPane installs={status.installs} selected={sel} height={height} />;
    case "sessions":
      return <SessionsPane sessions={status.sessions} />;
    case "integrations":
      return <IntegrationsPane integrations={status.integrations} selected={sel} height={height} />;
    case "logs":
      return <LogsPane logs={state.logs} offset={sel} height={height} />;
  }
}
