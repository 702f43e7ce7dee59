import { Box, useApp, useInput, useStdin, useStdout } from "ink";
import { useEffect, useMemo, useReducer, useRef } from "react";
import { withUptime } from "../core/status.ts";
import { Footer } from "./Footer.tsx";
import { Header, headerHeight } from "./Header.tsx";
import { HelpOverlay } from "./HelpOverlay.tsx";
import { isQuitKey, splitKeys } from "./keys.ts";
import { PaneBody } from "./PaneBody.tsx";
import type { DashboardSource } from "./source.ts";
import { isGone, StaleContext, viewTime } from "./stale.ts";
import { PANE_INFO, perPane, type PaneId } from "./panes.ts";
import { dashboardReducer } from "./store.ts";
import { Tabs } from "./Tabs.tsx";
import { installLook } from "../core/present.ts";
import { useCatalog } from "./useCatalog.ts";
import { useClock } from "./useClock.ts";
import { useControl } from "./useControl.ts";
import { useSourceEvents } from "./useSourceEvents.ts";
import { useSessions } from "./useSessions.ts";
import { useIntegrations } from "./useIntegrations.ts";
import { initialDashboardState } from "./state.ts";

/** Panes whose backing part exists today; the rest show a "not built yet" line. */
export const DEFAULT_BUILT: Readonly<Record<PaneId, boolean>> = perPane((p) => PANE_INFO[p].built);

export interface AppProps {
  source: DashboardSource;
  version: string;
  built?: Partial<Record<PaneId, boolean>>;
  /** The user asked to quit (q or ctrl+c); called just before Ink exits. */
  onQuit?: () => void;
  /** Injected clock for uptime, ages, retry countdowns and how long action outcomes stay. */
  now?: () => number;
  /** How often the clock ticks (countdowns, ages, notice expiry); 1 s by default. */
  tickMs?: number;
  /** How often the Integrations pane reads the gateway while it shows; 5 s by default. */
  integrationsPollMs?: number;
}

const DEFAULT_ROWS = 24;
const DEFAULT_COLUMNS = 100;
// Tabs row, footer row, and one spare: a frame as tall as the terminal makes Ink clear
// the whole screen on every render, which flickers.
const CHROME_ROWS = 3;

/** The dashboard root: one reducer fed by the source, keys mapped to actions. */
export function App({ source, version, built, onQuit, now = Date.now, tickMs = 1000, integrationsPollMs }: AppProps) {
  const controls = source.actions !== undefined;
  const [state, dispatch] = useReducer(dashboardReducer, version, (v) => initialDashboardState(v, controls));
  useSourceEvents(source, dispatch, now);
  const clock = useClock(now, tickMs);
  useEffect(() => dispatch({ kind: "controls", available: controls }), [controls]);
  // Outcome lines expire on the clock's tick rather than on timers of their own.
  useEffect(() => dispatch({ kind: "tick", now: clock }), [clock]);
  useControl(state.request, source.actions, dispatch, now);
  useCatalog(state.catalog.loading, source.actions, dispatch);
  // Counts change on `sessions.counts`, messages on every message: either is worth a fresh read.
  // One memoised value: a fresh array each render would restart the poll (and read) on every render.
  const sessionsChanged = useMemo(() => [state.status.sessions, state.status.outbox, state.messages], [state.status.sessions, state.status.outbox, state.messages]);
  useSessions(source.sessions, state.pane === "sessions" && !state.help, state.pane === "sessions" ? state.detail : null, sessionsChanged, dispatch);
  const onIntegrations = state.pane === "integrations";
  useIntegrations(source.integrations, onIntegrations && !state.help, onIntegrations ? state.detail : null, state.integrationsRefresh, dispatch, now, integrationsPollMs);
  const { exit } = useApp();
  // Ink reports `stdin.isTTY` as is, and for a pipe that is undefined, not false; useInput
  // only stays inactive on a strict `false`, so coerce.
  const interactive = useStdin().isRawModeSupported === true;
  const { stdout } = useStdout();
  const quitting = useRef(false);
  // The state as of the last key handled. Whether `q` quits depends on whether the picker is
  // open, and a key earlier in the same read (an `i`, an esc) may have just changed that.
  const latest = useRef(state);
  latest.current = state;

  useInput(
    (rawInput, rawKey) => {
      let s = latest.current;
      for (const { input, key } of splitKeys(rawInput, rawKey)) {
        if (quitting.current) return;
        if (isQuitKey(input, key, s.picker !== null || s.filtering)) {
          quitting.current = true;
          onQuit?.();
          exit();
          return;
        }
        const action = { kind: "key", input, key, at: now() } as const;
        // The reducer is pure, so running it here only predicts what React will compute.
        s = dashboardReducer(s, action);
        dispatch(action);
      }
      latest.current = s;
    },
    // Without a TTY Ink cannot enter raw mode and would throw; such a dashboard is view-only.
    { isActive: interactive },
  );

  const builtPanes = useMemo(() => ({ ...DEFAULT_BUILT, ...built }), [built]);
  const { adapters, installs, gateway: rawGateway } = state.status;
  // Primitives and stable objects only: the adapters array changes with every message, and
  // Tabs and Header should not re-render for those.
  const adaptersAlert = useMemo(() => adapters.some((a) => a.state === "failed" || a.state === "backoff"), [adapters]);
  const installsAlert = useMemo(() => installs.some((x) => installLook(x).tone === "bad"), [installs]);
  const alerts = useMemo(() => ({ adapters: adaptersAlert, installs: installsAlert }), [adaptersAlert, installsAlert]);
  // Once the gateway is gone, uptimes, ages and countdowns stop where they were.
  const shownAt = viewTime(state, clock);
  const gone = isGone(state);
  // withUptime reads only the gateway part, so that (not the whole status) is the dependency.
  const gateway = useMemo(() => withUptime(state.status, shownAt).gateway, [rawGateway, shownAt]);

  const rows = stdout.rows || DEFAULT_ROWS;
  const columns = stdout.columns || DEFAULT_COLUMNS;
  const bodyHeight = Math.max(3, rows - headerHeight(gateway) - CHROME_ROWS);
  useEffect(() => dispatch({ kind: "viewport", bodyRows: bodyHeight, columns }), [bodyHeight, columns]);

  return (
    <Box flexDirection="column">
      <Header gateway={gateway} version={version} mode={source.mode} connected={state.connected} synced={state.synced} goneAt={state.goneAt} now={clock} outbox={state.status.outbox} voice={state.status.voice} />
      <Tabs pane={state.pane} alerts={alerts} />
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {state.help ? (
          <HelpOverlay mode={source.mode} controls={state.controls} height={bodyHeight} scroll={state.helpScroll} />
        ) : (
          <StaleContext.Provider value={gone}>
            <PaneBody state={state} built={builtPanes} now={shownAt} height={bodyHeight} width={columns} sessionsReadable={source.sessions !== undefined} integrationsReadable={source.integrations !== undefined} />
          </StaleContext.Provider>
        )}
      </Box>
      <Footer
        interactive={interactive}
        pane={state.pane}
        help={state.help}
        detail={state.detail !== null}
        picker={state.picker !== null}
        notice={state.notice}
        filter={state.filters[state.pane]}
        filtering={state.filtering}
        width={columns}
      />
    </Box>
  );
}
