import type { BosunEvent, LogLevel } from "../core/events.ts";
import { emptyStatus, type AdapterStatus, type Status } from "../core/status.ts";
import { applyEvents } from "./applyEvents.ts";
import { actionFor, infoNotice, outcomeNotice, pendingNotice, READ_ONLY_NOTICE, tickNotice, type ControlRequest, type Notice } from "./control.ts";
import { timelineLength, type AdapterHistory } from "./history.ts";
import { keyToAction, type KeyInfo } from "./keys.ts";

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
  messages: MessageLine[];
  /** False until the first snapshot, and while an attached source has lost the gateway. */
  connected: boolean;
  /** A snapshot has arrived at least once; before that, `status` is a placeholder. */
  synced: boolean;
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
  /** The source can act on the gateway (restart/stop/start); false = read-only view. */
  controls: boolean;
  /** The adapter action in flight; one at a time. */
  request: ControlRequest | null;
  notice: Notice | null;
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
  | { kind: "connection"; connected: boolean };

export type DashboardAction =
  | { kind: "event"; event: BosunEvent }
  /** Events coalesced by the subscriber so a burst costs one render, not one per event. */
  | { kind: "events"; events: readonly BosunEvent[] }
  /** `at` is the clock time of the press, so a notice it causes can expire on time. */
  | { kind: "key"; input: string; key: KeyInfo; at?: number }
  /** The clock ticked (once a second): expire notices. */
  | { kind: "tick"; now: number }
  /** A control request settled: with the outcome the gateway reported, or a user-readable error. */
  | { kind: "controlDone"; id: number; outcome?: string; error?: string; at?: number }
  | { kind: "controls"; available: boolean }
  | UiAction;

export function initialDashboardState(version: string, controls = false): DashboardState {
  return {
    status: emptyStatus(version),
    logs: [],
    messages: [],
    connected: false,
    synced: false,
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
      const ui = keyToAction(action.input, action.key, { help: state.help, detail: state.detail !== null });
      if (!ui || ui.kind === "quit") return state;
      return dashboardReducer(state, ui.kind === "control" ? { ...ui, at: action.at } : ui);
    }
    case "pane":
      return state.pane === action.pane && !state.help && state.detail === null ? state : { ...state, pane: action.pane, help: false, detail: null, detailScroll: 0 };
    case "cycle": {
      const i = PANES.indexOf(state.pane);
      const next = PANES[(i + action.delta + PANES.length) % PANES.length] ?? "adapters";
      return { ...state, pane: next, help: false, detail: null, detailScroll: 0 };
    }
    case "detail":
      return detail(state, action.open ?? state.detail === null);
    case "control":
      return control(state, action.op, action.at);
    case "controlDone": {
      const req = state.request;
      if (!req || req.id !== action.id) return state;
      return { ...state, request: null, notice: outcomeNotice(req, action, action.at) };
    }
    case "tick": {
      const notice = tickNotice(state.notice, action.now);
      return notice === state.notice ? state : { ...state, notice };
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
      return state.connected === action.connected ? state : { ...state, connected: action.connected };
  }
}

/** Number of selectable rows in a pane; selection is clamped against it. */
export function paneLength(state: DashboardState, pane: PaneId): number {
  switch (pane) {
    case "adapters":
      return state.status.adapters.length;
    case "installs":
      return state.status.installs.length;
    case "sessions":
      return 0;
    case "integrations":
      return state.status.integrations.length;
    case "logs":
      return state.logs.length;
  }
}

/** The selection of a pane clamped to its current length (rows can vanish under the cursor). */
export function selectedIndex(state: DashboardState, pane: PaneId): number {
  return clamp(state.selected[pane], 0, Math.max(0, paneLength(state, pane) - 1));
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
  const request: ControlRequest = { id: state.nextId, action: actionFor(op, a), name: a.name };
  return { ...state, nextId: state.nextId + 1, request, notice: pendingNotice(request) };
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

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
