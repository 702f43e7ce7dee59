import type { BosunEvent } from "../core/events.ts";
import { reduceStatus } from "../core/status-reducer.ts";
import { forgetAdapter, keepAdapters, noteAdapter } from "./history.ts";
import { noteInstall, snapshotRates } from "../core/pace.ts";
import { logMatches } from "./view.ts";
import type { DashboardState, LogLine, MessageLine } from "./state.ts";

export const LOG_CAP = 500;
export const MESSAGE_CAP = 200;

/**
 * Events into dashboard state: status through core's reduceStatus, plus what only the
 * dashboard keeps (log and message lines, per-adapter transitions, download speeds). Returns the same state
 * object when nothing changed, so React skips the render.
 */
export function applyEvents(state: DashboardState, events: readonly BosunEvent[]): DashboardState {
  let status = state.status;
  let connected = state.connected;
  let synced = state.synced;
  let nextId = state.nextId;
  let history = state.history;
  let detail = state.detail;
  let rates = state.rates;
  let replayUntil = state.logReplayUntil;
  // Rows added to the open detail view, so a scrolled-back reader keeps their place.
  let detailAdded = 0;
  const logs: LogLine[] = [];
  const messages: MessageLine[] = [];
  for (const e of events) {
    const before = status;
    status = reduceStatus(status, e);
    switch (e.type) {
      case "snapshot":
        connected = true;
        synced = true;
        // A (re)attached stream repeats the gateway's recent log after its snapshot; what we
        // already show up to here must not appear twice.
        replayUntil = (logs.at(-1) ?? state.logs.at(-1))?.at ?? null;
        history = keepAdapters(history, status.adapters);
        rates = snapshotRates(rates, status.installs, Date.parse(e.at));
        for (const a of status.adapters) {
          const prev = before.adapters.find((p) => p.name === a.name);
          // Whatever changed while we were not looking began at `since`.
          const at = a.since === null || Number.isNaN(Date.parse(a.since)) ? e.at : a.since;
          const h = noteAdapter(history, prev, a, at, nextId);
          if (h !== history) {
            history = h;
            nextId++;
            if (a.name === detail) detailAdded++;
          }
        }
        break;
      case "adapter.state": {
        const h = noteAdapter(history, before.adapters.find((p) => p.name === e.adapter.name), e.adapter, e.at, nextId);
        if (h !== history) {
          history = h;
          nextId++;
          if (e.adapter.name === detail) detailAdded++;
        }
        break;
      }
      case "install.state":
        rates = noteInstall(rates, e.install, Date.parse(e.at));
        break;
      case "adapter.removed":
        history = forgetAdapter(history, e.name);
        break;
      case "log":
        if (replayUntil !== null) {
          if (e.at < replayUntil || (e.at === replayUntil && shown(state.logs, logs, e))) break;
          if (e.at > replayUntil) replayUntil = null;
        }
        logs.push({ id: nextId++, at: e.at, level: e.level, tag: e.tag, message: e.message });
        break;
      case "message.inbound":
        messages.push({ id: nextId++, at: e.at, direction: "inbound", adapter: e.adapter, conversation: e.conversation, user: e.user, text: e.text });
        if (e.adapter === detail) detailAdded++;
        break;
      case "message.outbound":
        messages.push({ id: nextId++, at: e.at, direction: "outbound", adapter: e.adapter, conversation: e.conversation, user: null, text: e.text });
        if (e.adapter === detail) detailAdded++;
        break;
      default:
        break;
    }
  }
  if (status === state.status && rates === state.rates && connected === state.connected && replayUntil === state.logReplayUntil && logs.length === 0 && messages.length === 0) {
    return state;
  }
  let selected = state.selected;
  if (logs.length > 0 && selected.logs > 0) {
    // Someone reading scrolled-back lines should not have them slide away as new ones arrive
    // (counting only lines that pass the Logs filter: those are the rows on screen).
    const filter = state.filters.logs;
    const added = filter ? logs.filter((l) => logMatches(filter, l)).length : logs.length;
    selected = { ...selected, logs: Math.min(selected.logs + added, LOG_CAP - 1) };
  }
  // A detail view whose adapter went away has nothing left to show (other panes' detail names a session or a tool source).
  if (detail !== null && state.pane === "adapters" && !status.adapters.some((a) => a.name === detail)) detail = null;
  const detailScroll = detail === null ? 0 : state.detailScroll > 0 ? state.detailScroll + detailAdded : 0;
  return {
    ...state,
    status,
    connected,
    synced,
    goneAt: connected ? null : state.goneAt,
    nextId,
    selected,
    history,
    detail,
    detailScroll,
    rates,
    logReplayUntil: replayUntil,
    logs: logs.length > 0 ? appendCapped(state.logs, logs, LOG_CAP) : state.logs,
    messages: messages.length > 0 ? appendCapped(state.messages, messages, MESSAGE_CAP) : state.messages,
  };
}

/** Whether a line with the same time and content is already shown (scanning back only over that time). */
function shown(old: readonly LogLine[], added: readonly LogLine[], e: { at: string; level: string; tag: string; message: string }): boolean {
  for (const list of [added, old]) {
    for (let i = list.length - 1; i >= 0 && list[i]!.at >= e.at; i--) {
      const l = list[i]!;
      if (l.at === e.at && l.level === e.level && l.tag === e.tag && l.message === e.message) return true;
    }
  }
  return false;
}

function appendCapped<T>(old: readonly T[], added: readonly T[], cap: number): T[] {
  if (added.length >= cap) return added.slice(added.length - cap);
  const keep = Math.max(0, old.length + added.length - cap);
  return old.slice(keep).concat(added);
}
