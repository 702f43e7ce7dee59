import { AdapterDetail } from "./AdapterDetail.tsx";
import { AdaptersPane } from "./AdaptersPane.tsx";
import { CatalogPicker } from "./CatalogPicker.tsx";
import { InstallsPane } from "./InstallsPane.tsx";
import { IntegrationsPane } from "./IntegrationsPane.tsx";
import { IntegrationTools } from "./IntegrationTools.tsx";
import { LogsPane } from "./LogsPane.tsx";
import { NotBuilt } from "./NotBuilt.tsx";
import { SessionsPane } from "./SessionsPane.tsx";
import { SessionTranscript } from "./SessionTranscript.tsx";
import { selectedIndex, targetAdapter, type PaneId } from "./store.ts";
import { visibleAdapters, visibleInstalls, visibleIntegrations, visibleLogs, visibleSessions } from "./view.ts";
import type { DashboardState } from "./state.ts";

const NONE: readonly string[] = [];

interface PaneBodyProps {
  state: DashboardState;
  built: Record<PaneId, boolean>;
  now: number;
  height: number;
  width: number;
  /** The source can read sessions (the Sessions pane has nothing to show otherwise). */
  sessionsReadable?: boolean;
  /** The source can read integrations. */
  integrationsReadable?: boolean;
}

/** The active pane (or the catalogue picker over Installs), or its "not built yet" line. Only the active pane renders at all. */
export function PaneBody({ state, built, now, height, width, sessionsReadable = true, integrationsReadable = true }: PaneBodyProps) {
  const pane = state.pane;
  // Until the first snapshot the status is a placeholder: "No adapters configured" would be a lie.
  if (!state.synced) return null;
  if (!built[pane]) return <NotBuilt pane={pane} />;
  const sel = selectedIndex(state, pane);
  const { status } = state;
  switch (pane) {
    case "adapters": {
      const open = state.detail !== null ? targetAdapter(state) : undefined;
      if (open) {
        return (
          <AdapterDetail
            adapter={open}
            transitions={state.history[open.name]}
            messages={state.messages}
            scroll={state.detailScroll}
            now={now}
            height={height}
            width={width}
          />
        );
      }
      return (
        <AdaptersPane
          adapters={visibleAdapters(state)}
          total={status.adapters.length}
          filter={state.filters.adapters}
          sort={state.sort.adapters}
          selected={sel}
          messages={state.messages}
          now={now}
          height={height}
          width={width}
        />
      );
    }
    case "installs":
      if (state.picker) {
        return <CatalogPicker picker={state.picker} catalog={state.catalog} installs={status.installs} height={height} width={width} />;
      }
      return (
        <InstallsPane
          installs={visibleInstalls(state)}
          total={status.installs.length}
          filter={state.filters.installs}
          sort={state.sort.installs}
          selected={sel}
          rates={state.rates}
          now={now}
          height={height}
          width={width}
        />
      );
    case "sessions":
      if (state.detail !== null) {
        const info = state.sessions.find((s) => s.key === state.detail);
        return <SessionTranscript detail={state.sessionDetail} info={info} scroll={state.detailScroll} now={now} height={height} />;
      }
      return (
        <SessionsPane
          sessions={visibleSessions(state)}
          total={state.sessions.length}
          filter={state.filters.sessions}
          selected={sel}
          error={state.sessionsError}
          readable={sessionsReadable}
          transcribing={state.status.voice?.transcribing ?? NONE}
          now={now}
          height={height}
          width={width}
        />
      );
    case "integrations":
      if (state.detail !== null) {
        const tools = state.integrationTools?.source === state.detail ? state.integrationTools.tools : null;
        const row = status.integrations.find((x) => x.name === state.detail);
        return <IntegrationTools source={state.detail} row={row} tools={tools} error={state.integrationToolsError} scroll={state.detailScroll} height={height} width={width} />;
      }
      return (
        <IntegrationsPane
          integrations={visibleIntegrations(state)}
          total={status.integrations.length}
          filter={state.filters.integrations}
          selected={sel}
          read={state.integrationsRead}
          error={state.integrationsError}
          readable={integrationsReadable}
          connected={state.connected}
          height={height}
        />
      );
    case "logs":
      return <LogsPane logs={visibleLogs(state)} total={state.logs.length} filter={state.filters.logs} offset={sel} height={height} />;
    default: {
      // A pane added to panes.ts without a case here fails the typecheck instead of drawing nothing.
      const unhandled: never = pane;
      return unhandled;
    }
  }
}
