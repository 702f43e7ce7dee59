import { applyEvents } from "./applyEvents.ts";
import { outcomeNotice, tickNotice } from "./control.ts";
import { timelineLength } from "./history.ts";
import { answerStop, controlAdapter } from "./adapterControl.ts";
import { dropConfirm, tickConfirm } from "./confirm.ts";
import { cancelInstall, uninstallInstall } from "./installControl.ts";
import { helpLineCount, helpMaxScroll } from "./helpRows.ts";
import { keyToAction, type KeyCommand } from "./keys.ts";
import { PANES } from "./panes.ts";
import { catalogDone, openPicker, pickerKey } from "./picker.ts";
import { clamp, paneLength, selectedIndex, targetAdapter } from "./selection.ts";
import { filterKey, sortKey } from "./tableKeys.ts";
import { notHere } from "./wrongPane.ts";
import { controlSession, openSession, scrollSession, sessionLoaded, sessionsLoaded } from "./sessionControl.ts";
import { integrationsLoaded, integrationToolsLoaded, openIntegration, refreshIntegrations, scrollTools } from "./integrationControl.ts";
import type { DashboardAction, DashboardState, UiAction } from "./state.ts";

// The state and its actions are state.ts's; the store is where they meet the reducer.
export { initialDashboardState, type DashboardAction, type DashboardState, type LogLine, type MessageLine, type UiAction } from "./state.ts";
export { PANE_TITLES, PANES, type PaneId } from "./panes.ts";

export { LOG_CAP, MESSAGE_CAP } from "./applyEvents.ts";
export { paneLength, selectedIndex, targetAdapter } from "./selection.ts";

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
        pane: state.pane,
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
    case "session":
      return controlSession(state, action.op, action.at);
    case "sessionsLoaded":
      return sessionsLoaded(state, action);
    case "sessionLoaded":
      return sessionLoaded(state, action.detail);
    case "refresh":
      return refreshIntegrations(state, action.at);
    case "integrationsLoaded":
      return integrationsLoaded(state, action);
    case "integrationToolsLoaded":
      return integrationToolsLoaded(state, action);
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
  if (!open) return state.detail === null ? state : { ...state, detail: null, detailScroll: 0, sessionDetail: null };
  if (state.help || state.detail !== null) return state;
  if (state.pane === "sessions") return openSession(state);
  if (state.pane === "integrations") return openIntegration(state);
  if (state.pane !== "adapters") return state;
  const a = targetAdapter(state);
  return a ? { ...state, detail: a.name, detailScroll: 0 } : state;
}

function move(state: DashboardState, delta: number): DashboardState {
  const pane = state.pane;
  if (pane === "sessions" && state.detail !== null) return scrollSession(state, delta);
  if (pane === "integrations" && state.detail !== null) return scrollTools(state, delta);
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
    case "session":
    case "refresh":
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
