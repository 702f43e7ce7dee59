/**
 * The dashboard's state and the actions on it: types and the initial state only, so that every
 * reducer step (store.ts and the modules it delegates to) reads them from here and none of them
 * needs the store (no ring of imports around store.ts).
 */
import type { BosunEvent, LogLevel } from "../core/events.ts";
import type { InstallRates } from "../core/pace.ts";
import { emptyStatus, type AdapterState, type Status } from "../core/status.ts";
import type { ControlRequest, Notice, Outcome } from "./control.ts";
import { perPane, type PaneId } from "./panes.ts";
import { DEFAULT_SORT, type SortPane, type SortSpec } from "./sort.ts";
import type { SessionDetail, SessionInfo } from "../core/sessions/store.ts";
import type { CatalogItem } from "./source.ts";
import type { IntegrationsReport, ToolReport } from "../core/integrations/types.ts";

/** The parts of Ink's `Key` the dashboard reads; structural so the store stays free of Ink. */
export interface KeyInfo {
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  escape?: boolean;
  return?: boolean;
  backspace?: boolean;
  /** What most terminals send for Backspace (0x7f); Ink calls it delete. */
  delete?: boolean;
  meta?: boolean;
}

/** One change of an adapter's state, as the dashboard saw it. */
export interface Transition {
  /** From the dashboard's id sequence, so it orders against message lines. */
  id: number;
  at: string;
  /** Null when the adapter was first seen (already in `to`). */
  from: AdapterState | null;
  to: AdapterState;
  restarts: number;
  lastError: string | null;
}

export type AdapterHistory = Readonly<Record<string, readonly Transition[]>>;

/** The catalogue picker over the Installs pane: what has been typed, and the highlighted row. */
export interface PickerState {
  filter: string;
  /** Index into the filtered entries. */
  cursor: number;
}

/** The catalogue, asked for once and kept for the dashboard's life. */
export interface CatalogCache {
  entries: readonly CatalogItem[] | null;
  /** Why the last load failed; the next `i` tries again. */
  error: string | null;
  /** Id of the load in flight (App's hook runs it). */
  loading: number | null;
}

export const EMPTY_CATALOG: CatalogCache = { entries: null, error: null, loading: null };

export type PickerOp =
  | { kind: "picker"; op: "type"; text: string; at?: number }
  | { kind: "picker"; op: "move"; delta: number; at?: number }
  | { kind: "picker"; op: "erase" | "clear" | "close" | "choose"; at?: number };

export type FilterOp =
  | { kind: "filter"; op: "open" | "close" | "clear" | "erase" | "clearText"; at?: number }
  | { kind: "filter"; op: "type"; text: string; at?: number };

/** `o` cycles the sort column; a capital letter (shift+letter) sorts by that column. */
export type SortOp = { kind: "sort"; letter?: string; at?: number };

export type ConfirmKind = "uninstall" | "stop";

/** An action waiting for its confirmation. */
export interface PendingConfirm {
  kind: ConfirmKind;
  /** The install target, or the adapter name. */
  target: string;
  /** Clock time the offer lapses; null until the first tick stamps it when made without a time. */
  expiresAt: number | null;
}

export interface LogLine {
  /** Monotonic per dashboard; a stable React key even when lines share a timestamp. */
  id: number;
  at: string;
  level: LogLevel;
  tag: string;
  message: string;
}

export interface MessageLine {
  id: number;
  at: string;
  direction: "inbound" | "outbound";
  adapter: string;
  conversation: string;
  /** Sender of an inbound message; outbound messages are bosun's own. */
  user: string | null;
  text: string;
}

export interface DashboardState {
  status: Status;
  logs: LogLine[];
  /**
   * After a snapshot: the time of the newest line already shown. Log records up to it that
   * a re-attached stream repeats (its recent-log replay) are skipped; null once past it.
   */
  logReplayUntil: string | null;
  messages: MessageLine[];
  /** False until the first snapshot, and while an attached source has lost the gateway. */
  connected: boolean;
  /** A snapshot has arrived at least once; before that, `status` is a placeholder. */
  synced: boolean;
  /**
   * Dashboard clock time the gateway was lost, when it was lost after a snapshot: what is shown
   * is the state as of then, so clocks stop there. Null while connected.
   */
  goneAt: number | null;
  pane: PaneId;
  /**
   * Cursor per pane. For "logs" it is how many lines the view is scrolled back from the
   * newest (0 = follow the tail), because that is what a person scrolling a log means.
   */
  selected: Record<PaneId, number>;
  help: boolean;
  /** Rows the help is scrolled down (it is taller than a 24-row terminal). */
  helpScroll: number;
  /** Rows of the pane body on screen, so scrolling stops where the drawing does. */
  bodyRows: number;
  /** Terminal columns: which table columns are drawn (a sort by a hidden one says so). */
  columns: number;
  nextId: number;
  /** Recent state transitions per adapter, for its detail view. */
  history: AdapterHistory;
  /** Name of the adapter whose detail view is open (by name, so it survives reordering). */
  detail: string | null;
  /** Detail view rows scrolled back from the newest event; 0 follows the tail. */
  detailScroll: number;
  /** The source can act on the gateway (adapters, installs); false = read-only view. */
  controls: boolean;
  /** The action on the gateway in flight (adapter or install); one at a time. */
  request: ControlRequest | null;
  notice: Notice | null;
  /** Download speed samples per install target, from successive install.state events. */
  rates: InstallRates;
  /** The catalogue picker over the Installs pane, when open. */
  picker: PickerState | null;
  catalog: CatalogCache;
  /** An uninstall waiting for its second `u`, or a stop of the last running channel waiting for `y`. */
  confirm: PendingConfirm | null;
  /** The `/` filter of each pane ("" = none). */
  filters: Record<PaneId, string>;
  /** The `/` prompt is open on the current pane: printable keys type into its filter. */
  filtering: boolean;
  /** Sort column and direction of each table pane; null = the order the gateway reports. */
  sort: Record<SortPane, SortSpec | null>;
  /** The Sessions pane's rows, as last read from the gateway's listing (useSessions polls it). */
  sessions: readonly SessionInfo[];
  /** Why the last read of the listing failed, until one succeeds. */
  sessionsError: string | null;
  /** The transcript open on the Sessions pane (`detail` holds its key), as last read. */
  sessionDetail: SessionDetail | null;
  /**
   * The Integrations pane's last read (its rows are `status.integrations`, which that read and
   * an `integrations.state` event both replace: the latest to arrive wins): the offered total
   * against the limit and when the gateway made it. Null until a read answers.
   */
  integrationsRead: { offered: number; maxTools: number; at: string } | null;
  /** Why the last read of the integrations failed, until one succeeds. */
  integrationsError: string | null;
  /** The id of the refresh (`r`) under way; null when none is. */
  integrationsRefresh: number | null;
  /** The tools of the source open on the Integrations pane (`detail` holds its name), as last read. */
  integrationTools: { source: string; tools: readonly ToolReport[] } | null;
  /** Why the last read of those tools failed, until one succeeds. */
  integrationToolsError: string | null;
}

/** UI actions, also what keys translate to. */
export type UiAction =
  | { kind: "pane"; pane: PaneId }
  | { kind: "cycle"; delta: 1 | -1 }
  | { kind: "move"; delta: number }
  /** Open, close or toggle the help; `scroll` moves it by rows instead. */
  | { kind: "help"; open?: boolean; scroll?: number }
  /** Open (the selected adapter's) or close the adapter detail view; toggles without `open`. */
  | { kind: "detail"; open?: boolean }
  /** Act on the selected adapter; `toggle` stops it, or starts it when stopped. `at` stamps the notice. */
  | { kind: "control"; op: "restart" | "toggle"; at?: number }
  /** Installs: open the catalogue picker (i), cancel the selected install (x), uninstall it (u, twice). */
  | { kind: "pick"; at?: number }
  | { kind: "cancelInstall"; at?: number }
  | { kind: "uninstall"; at?: number }
  /** Integrations: drop the cache and read every source again (r). */
  | { kind: "refresh"; at?: number }
  /** Sessions: reset the selected session (x), stop it or start a stopped one (s). */
  | { kind: "session"; op: "reset" | "toggle"; at?: number }
  | PickerOp
  | FilterOp
  | SortOp
  /** y or n (esc) to a pending y/n question. */
  | { kind: "answer"; yes: boolean; at?: number }
  /** The source gained or lost the gateway; `at` is the dashboard clock then. */
  | { kind: "connection"; connected: boolean; at?: number };

export type DashboardAction =
  | { kind: "event"; event: BosunEvent }
  /** Events coalesced by the subscriber so a burst costs one render, not one per event. */
  | { kind: "events"; events: readonly BosunEvent[] }
  /** `at` is the clock time of the press, so a notice it causes can expire on time. */
  | { kind: "key"; input: string; key: KeyInfo; at?: number }
  /** The clock ticked (once a second): expire notices and lapsed uninstall confirmations. */
  | { kind: "tick"; now: number }
  /** A control request settled: with the outcome the gateway reported, or a user-readable error. */
  | { kind: "controlDone"; id: number; outcome?: Outcome; error?: string; at?: number }
  | { kind: "controls"; available: boolean }
  /** The terminal was resized: the pane body now has `bodyRows` rows, the terminal `columns` columns. */
  | { kind: "viewport"; bodyRows: number; columns?: number }
  /** The catalogue load `id` settled. */
  | { kind: "catalogDone"; id: number; entries?: readonly CatalogItem[]; error?: string }
  /** A read of the session listing, or of the open transcript, settled. */
  | { kind: "sessionsLoaded"; sessions?: readonly SessionInfo[]; error?: string }
  | { kind: "sessionLoaded"; detail: SessionDetail }
  /** A read of the integrations settled (`refresh`: the id of the refresh it answers; `at` stamps that notice). */
  | { kind: "integrationsLoaded"; report?: IntegrationsReport; error?: string; refresh?: number; at?: number }
  /** A read of one source's tools settled. */
  | { kind: "integrationToolsLoaded"; source: string; tools?: readonly ToolReport[]; error?: string }
  | UiAction;

export function initialDashboardState(version: string, controls = false): DashboardState {
  return {
    status: emptyStatus(version),
    logs: [],
    logReplayUntil: null,
    messages: [],
    connected: false,
    synced: false,
    goneAt: null,
    pane: "adapters",
    selected: perPane(0),
    help: false,
    helpScroll: 0,
    bodyRows: 19,
    columns: 100,
    nextId: 1,
    history: {},
    detail: null,
    detailScroll: 0,
    controls,
    request: null,
    notice: null,
    rates: {},
    picker: null,
    catalog: EMPTY_CATALOG,
    confirm: null,
    filters: perPane(""),
    filtering: false,
    sort: { ...DEFAULT_SORT },
    sessions: [],
    sessionsError: null,
    sessionDetail: null,
    integrationsRead: null,
    integrationsError: null,
    integrationsRefresh: null,
    integrationTools: null,
    integrationToolsError: null,
  };
}

