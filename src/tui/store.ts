import type { BosunEvent, LogLevel } from "../core/events.ts";
import { emptyStatus, type AdapterStatus, type Status } from "../core/status.ts";
import { applyEvents } from "./applyEvents.ts";
import { actionFor, infoNotice, outcomeNotice, READ_ONLY_NOTICE, tickNotice, withRequest, type ControlRequest, type Notice } from "./control.ts";
import { timelineLength, type AdapterHistory } from "./history.ts";
import { cancelInstall, confirmPrompt, dropConfirm, tickConfirm, uninstallInstall, type UninstallConfirm } from "./installControl.ts";
import type { InstallRates } from "./installRates.ts";
import { keyToAction, type KeyCommand, type KeyInfo } from "./keys.ts";
import { catalogDone, EMPTY_CATALOG, openPicker, pickerKey, type CatalogCache, type PickerOp, type PickerState } from "./picker.ts";
import { clamp, paneLength, selectedIndex } from "./selection.ts";
import type { CatalogItem } from "./source.ts";

export const PANES = ["adapters", "installs", "sessions", "integrations", "logs"] as const;
export type PaneId = (typeof PANES)[number];

export const PANE_TITLES: Record<PaneId, string> = {
  adapters: "Adapters",
  installs: "Installs",
  sessions: "Sessions",
  integrations: "Integrations",
  logs: "Logs",
};

export { LOG_CAP, MESSAGE_CAP } from "./applyEvents.ts";
export { paneLength, selectedIndex } from "./selection.ts";

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
  /** An uninstall waiting for its second `u`. */
  confirm: UninstallConfirm | null;
}

/** UI actions, also what keys translate to. */
export type UiAction =
  | { kind: "pane"; pane: PaneId }
  | { kind: "cycle"; delta: 1 | -1 }
  | { kind: "move"; delta: number }
  | { kind: "help"; open?: boolean }
  /** Open (the selected adapter's) or close the adapter detail view; toggles without `open`. */
  | { kind: "detail"; open?: boolean }
  /** Act on the selected adapter; `toggle` stops it, or starts it when stopped. `at` stamps the notice. */
  | { kind: "control"; op: "restart" | "toggle"; at?: number }
  /** Installs: open the catalogue picker (i), cancel the selected install (x), uninstall it (u, twice). */
  | { kind: "pick"; at?: number }
  | { kind: "cancelInstall"; at?: number }
  | { kind: "uninstall"; at?: number }
  | PickerOp
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
  | { kind: "controlDone"; id: number; outcome?: string; error?: string; at?: number }
  | { kind: "controls"; available: boolean }
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
      const ui = keyToAction(action.input, action.key, { help: state.help, detail: state.detail !== null, picker: state.picker !== null });
      if (!ui || ui.kind === "quit") return state;
      // Only a second `u` confirms an uninstall; anything else in between withdraws the offer.
      const s = ui.kind === "uninstall" ? state : dropConfirm(state);
      return dashboardReducer(s, stamp(ui, action.at));
    }
    case "pane":
      return state.pane === action.pane && !state.help && state.detail === null && state.picker === null
        ? state
        : { ...state, pane: action.pane, help: false, detail: null, detailScroll: 0, picker: null };
    case "cycle": {
      const i = PANES.indexOf(state.pane);
      const next = PANES[(i + action.delta + PANES.length) % PANES.length] ?? "adapters";
      return { ...state, pane: next, help: false, detail: null, detailScroll: 0, picker: null };
    }
    case "detail":
      return detail(state, action.open ?? state.detail === null);
    case "control":
      return control(state, action.op, action.at);
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
      let notice = tickNotice(state.notice, action.now);
      const confirm = tickConfirm(state.confirm, action.now);
      // A lapsed confirmation takes its prompt along, so the footer never offers what `u` won't do.
      if (state.confirm && !confirm && notice?.text === confirmPrompt(state.confirm.target)) notice = null;
      return notice === state.notice && confirm === state.confirm ? state : { ...state, notice, confirm };
    }
    case "controls":
      return state.controls === action.available ? state : { ...state, controls: action.available };
    case "move":
      return move(state, action.delta);
    case "help": {
      const help = action.open ?? !state.help;
      return help === state.help ? state : { ...state, help };
    }
    case "connection":
      if (state.connected === action.connected) return state;
      if (action.connected) return { ...state, connected: true, goneAt: null };
      return { ...state, connected: false, goneAt: state.synced ? (action.at ?? null) : null };
  }
}

/** Lost the gateway after having seen it: the view shows the last known state, frozen. */
export function isGone(state: DashboardState): boolean {
  return state.synced && !state.connected;
}

/** The time the view is drawn at: the clock, or the moment the gateway went away (clocks stop there). */
export function viewTime(state: DashboardState, clock: number): number {
  return isGone(state) && state.goneAt !== null ? state.goneAt : clock;
}

/** The adapter r/s act on: the one in the detail view, else the selected row. */
export function targetAdapter(state: DashboardState): AdapterStatus | undefined {
  const { adapters } = state.status;
  if (state.detail !== null) return adapters.find((a) => a.name === state.detail);
  return adapters[selectedIndex(state, "adapters")];
}

function detail(state: DashboardState, open: boolean): DashboardState {
  if (!open) return state.detail === null ? state : { ...state, detail: null, detailScroll: 0 };
  if (state.help || state.pane !== "adapters" || state.detail !== null) return state;
  const a = targetAdapter(state);
  return a ? { ...state, detail: a.name, detailScroll: 0 } : state;
}

function control(state: DashboardState, op: "restart" | "toggle", at: number | undefined): DashboardState {
  if (state.help || state.pane !== "adapters") return state;
  const a = targetAdapter(state);
  if (!a) return state;
  if (!state.controls) return { ...state, notice: infoNotice(READ_ONLY_NOTICE, at) };
  // One at a time: the line already says what is under way, and a second press of `r` while a
  // restart runs is impatience, not a request for another restart.
  if (state.request) return state;
  return withRequest(state, actionFor(op, a), a.name);
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
      return { ...ui, at };
    default:
      return ui;
  }
}
