import type { BosunEvent, LogLevel } from "../core/events.ts";
import { emptyStatus, type Status } from "../core/status.ts";
import { applyEvents } from "./applyEvents.ts";
import { outcomeNotice, tickNotice, type ControlRequest, type Notice, type Outcome } from "./control.ts";
import { timelineLength, type AdapterHistory } from "./history.ts";
import { answerStop, controlAdapter } from "./adapterControl.ts";
import { dropConfirm, tickConfirm, type PendingConfirm } from "./confirm.ts";
import { cancelInstall, uninstallInstall } from "./installControl.ts";
import type { InstallRates } from "../core/pace.ts";
import { helpLineCount, helpMaxScroll } from "./helpRows.ts";
import { keyToAction, type KeyCommand, type KeyInfo } from "./keys.ts";
import { PANES, type PaneId } from "./panes.ts";
import { catalogDone, EMPTY_CATALOG, openPicker, pickerKey, type CatalogCache, type PickerOp, type PickerState } from "./picker.ts";
import { clamp, paneLength, selectedIndex, targetAdapter } from "./selection.ts";
import { DEFAULT_SORT, type SortPane, type SortSpec } from "./sort.ts";
import type { CatalogItem } from "./source.ts";
import { filterKey, sortKey, type FilterOp, type SortOp } from "./tableKeys.ts";
import { notHere } from "./wrongPane.ts";

export { PANE_TITLES, PANES, type PaneId } from "./panes.ts";

export { LOG_CAP, MESSAGE_CAP } from "./applyEvents.ts";
export { paneLength, selectedIndex, targetAdapter } from "./selection.ts";

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
    selected: { adapters: 0, installs: 0, sessions: 0, integrations: 0, logs: 0 },
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
    filters: { adapters: "", installs: "", sessions: "", integrations: "", logs: "" },
    filtering: false,
    sort: { ...DEFAULT_SORT },
  };
}

/** The dashboard's one reducer; pure. Status changes are delegated to core's reduceStatus. */
export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.kind) {
    case "event":
      return applyEvents(state, [action.event]);
    case "events":
      return applyEvents(state, action.events);
    case "key": {
      const ui = keyToAction(action.input, action.key, {
        help: state.help,
        detail: state.detail !== null,
        picker: state.picker !== null,
        filtering: state.filtering,
        asking: state.confirm?.kind === "stop",
      });
      if (!ui || ui.kind === "quit") return state;
      // Only a second `u` confirms an uninstall, only y/n answer a question; anything else
      // in between withdraws the offer.
      const keep = (ui.kind === "uninstall" && state.confirm?.kind === "uninstall") || ui.kind === "answer";
      const s = keep ? state : dropConfirm(state);
      const elsewhere = notHere(s, ui, action.at);
      return moveOn(state, elsewhere ?? dashboardReducer(s, stamp(ui, action.at)));
    }
    case "pane":
      return state.pane === action.pane && !state.help && state.detail === null && state.picker === null && !state.filtering
        ? state
        : { ...state, pane: action.pane, help: false, detail: null, detailScroll: 0, picker: null, filtering: false };
    case "cycle": {
      const i = PANES.indexOf(state.pane);
      const next = PANES[(i + action.delta + PANES.length) % PANES.length] ?? "adapters";
      return { ...state, pane: next, help: false, detail: null, detailScroll: 0, picker: null, filtering: false };
    }
    case "filter":
      return filterKey(state, action);
    case "sort":
      return sortKey(state, action);
    case "answer":
      return answerStop(state, action.yes, action.at);
    case "detail":
      return detail(state, action.open ?? state.detail === null);
    case "control":
      return controlAdapter(state, action.op, action.at);
    case "pick":
      return openPicker(state, action.at);
    case "picker":
      return pickerKey(state, action);
    case "catalogDone":
      return catalogDone(state, action.id, action);
    case "cancelInstall":
      return cancelInstall(state, action.at);
    case "uninstall":
      return uninstallInstall(state, action.at);
    case "controlDone": {
      const req = state.request;
      if (!req || req.id !== action.id) return state;
      return { ...state, request: null, notice: outcomeNotice(req, action, action.at) };
    }
    case "tick": {
      // A lapsed confirmation takes its prompt along, so the footer never offers what a key won't do.
      const s = tickConfirm(state, action.now);
      const notice = tickNotice(s.notice, action.now);
      return notice === s.notice ? s : { ...s, notice };
    }
    case "viewport": {
      const columns = action.columns ?? state.columns;
      return state.bodyRows === action.bodyRows && state.columns === columns ? state : { ...state, bodyRows: action.bodyRows, columns };
    }
    case "controls":
      return state.controls === action.available ? state : { ...state, controls: action.available };
    case "move":
      return move(state, action.delta);
    case "help": {
      if (action.scroll !== undefined) {
        // The overlay clamps what it draws; keep the offset within its rows.
        const helpScroll = clamp(state.helpScroll + action.scroll, 0, helpMaxScroll(helpLineCount(state.controls), state.bodyRows));
        return helpScroll === state.helpScroll ? state : { ...state, helpScroll };
      }
      const help = action.open ?? !state.help;
      return help === state.help ? state : { ...state, help, helpScroll: 0 };
    }
    case "connection":
      if (state.connected === action.connected) return state;
      if (action.connected) return { ...state, connected: true, goneAt: null };
      return { ...state, connected: false, goneAt: state.synced ? (action.at ?? null) : null };
  }
}

/**
 * A notice answers the key before; the next key that does something (switch pane, filter, esc,
 * move) moves on from it, so it never speaks of a pane left behind. An action under way keeps
 * its line until it ends.
 */
function moveOn(before: DashboardState, after: DashboardState): DashboardState {
  const n = after.notice;
  if (after === before || n === null || n !== before.notice || n.tone === "pending") return after;
  return { ...after, notice: null };
}

function detail(state: DashboardState, open: boolean): DashboardState {
  if (!open) return state.detail === null ? state : { ...state, detail: null, detailScroll: 0 };
  if (state.help || state.pane !== "adapters" || state.detail !== null) return state;
  const a = targetAdapter(state);
  return a ? { ...state, detail: a.name, detailScroll: 0 } : state;
}

function move(state: DashboardState, delta: number): DashboardState {
  const pane = state.pane;
  if (pane === "adapters" && state.detail !== null) {
    // In the detail view j/k scroll its events, which read like a log: down is newer.
    const len = timelineLength(state.history[state.detail], state.messages, state.detail);
    const scroll = clamp(state.detailScroll - delta, 0, Math.max(0, len - 1));
    return scroll === state.detailScroll ? state : { ...state, detailScroll: scroll };
  }
  // Down in a log means towards the newest line, i.e. less scrolled back.
  const d = pane === "logs" ? -delta : delta;
  const next = clamp(selectedIndex(state, pane) + d, 0, Math.max(0, paneLength(state, pane) - 1));
  if (next === state.selected[pane]) return state;
  return { ...state, selected: { ...state.selected, [pane]: next } };
}

/** Keys whose effect (a notice, a confirmation window) depends on when they were pressed get the press time. */
function stamp(ui: Exclude<KeyCommand, { kind: "quit" }>, at: number | undefined): UiAction {
  switch (ui.kind) {
    case "control":
    case "pick":
    case "cancelInstall":
    case "uninstall":
    case "picker":
    case "filter":
    case "sort":
    case "answer":
      return { ...ui, at };
    default:
      return ui;
  }
}
