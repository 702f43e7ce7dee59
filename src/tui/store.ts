import type { BosunEvent, LogLevel } from "../core/events.ts";
import { emptyStatus, reduceStatus, type Status } from "../core/status.ts";
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

export const LOG_CAP = 500;
export const MESSAGE_CAP = 200;

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
}

/** UI actions, also what keys translate to. */
export type UiAction =
  | { kind: "pane"; pane: PaneId }
  | { kind: "cycle"; delta: 1 | -1 }
  | { kind: "move"; delta: number }
  | { kind: "help"; open?: boolean }
  | { kind: "connection"; connected: boolean };

export type DashboardAction =
  | { kind: "event"; event: BosunEvent }
  /** Events coalesced by the subscriber so a burst costs one render, not one per event. */
  | { kind: "events"; events: readonly BosunEvent[] }
  | { kind: "key"; input: string; key: KeyInfo }
  | UiAction;

export function initialDashboardState(version: string): DashboardState {
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
      const ui = keyToAction(action.input, action.key, state.help);
      return ui && ui.kind !== "quit" ? dashboardReducer(state, ui) : state;
    }
    case "pane":
      return state.pane === action.pane && !state.help ? state : { ...state, pane: action.pane, help: false };
    case "cycle": {
      const i = PANES.indexOf(state.pane);
      const next = PANES[(i + action.delta + PANES.length) % PANES.length] ?? "adapters";
      return { ...state, pane: next, help: false };
    }
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

function move(state: DashboardState, delta: number): DashboardState {
  const pane = state.pane;
  // Down in a log means towards the newest line, i.e. less scrolled back.
  const d = pane === "logs" ? -delta : delta;
  const next = clamp(selectedIndex(state, pane) + d, 0, Math.max(0, paneLength(state, pane) - 1));
  if (next === state.selected[pane]) return state;
  return { ...state, selected: { ...state.selected, [pane]: next } };
}

function applyEvents(state: DashboardState, events: readonly BosunEvent[]): DashboardState {
  let status = state.status;
  let connected = state.connected;
  let synced = state.synced;
  let nextId = state.nextId;
  const logs: LogLine[] = [];
  const messages: MessageLine[] = [];
  for (const e of events) {
    status = reduceStatus(status, e);
    switch (e.type) {
      case "snapshot":
        connected = true;
        synced = true;
        break;
      case "log":
        logs.push({ id: nextId++, at: e.at, level: e.level, tag: e.tag, message: e.message });
        break;
      case "message.inbound":
        messages.push({ id: nextId++, at: e.at, direction: "inbound", adapter: e.adapter, conversation: e.conversation, user: e.user, text: e.text });
        break;
      case "message.outbound":
        messages.push({ id: nextId++, at: e.at, direction: "outbound", adapter: e.adapter, conversation: e.conversation, user: null, text: e.text });
        break;
      default:
        break;
    }
  }
  if (status === state.status && connected === state.connected && logs.length === 0 && messages.length === 0) return state;
  let selected = state.selected;
  if (logs.length > 0 && selected.logs > 0) {
    // Someone reading scrolled-back lines should not have them slide away as new ones arrive.
    selected = { ...selected, logs: Math.min(selected.logs + logs.length, LOG_CAP - 1) };
  }
  return {
    ...state,
    status,
    connected,
    synced,
    nextId,
    selected,
    logs: logs.length > 0 ? appendCapped(state.logs, logs, LOG_CAP) : state.logs,
    messages: messages.length > 0 ? appendCapped(state.messages, messages, MESSAGE_CAP) : state.messages,
  };
}

function appendCapped<T>(old: readonly T[], added: readonly T[], cap: number): T[] {
  if (added.length >= cap) return added.slice(added.length - cap);
  const keep = Math.max(0, old.length + added.length - cap);
  return old.slice(keep).concat(added);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
