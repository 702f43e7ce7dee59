/** The Sessions pane's reducer steps: its rows and transcript as read, x (reset) and s (stop/start), the transcript's scroll. */
import type { SessionDetail, SessionInfo } from "../core/sessions/store.ts";
import { infoNotice } from "./control.ts";
import { transcriptLines } from "./SessionTranscript.tsx";
import { withRequest } from "./request.ts";
import { clamp, selectedIndex } from "./selection.ts";
import { visibleSessions } from "./view.ts";
import type { DashboardState } from "./state.ts";

export const READ_ONLY_SESSIONS_NOTICE = "read-only view: this dashboard cannot reset, stop or start sessions";

/** The session x and s act on: the one whose transcript is open, else the selected row as drawn. */
export function targetSession(state: DashboardState): SessionInfo | undefined {
  if (state.pane !== "sessions") return undefined;
  if (state.detail !== null) return state.sessions.find((s) => s.key === state.detail) ?? state.sessionDetail ?? undefined;
  return visibleSessions(state)[selectedIndex(state, "sessions")];
}

/** A read of the listing settled: the rows it found, or why it failed (the last rows stay). */
export function sessionsLoaded(state: DashboardState, a: { sessions?: readonly SessionInfo[]; error?: string }): DashboardState {
  if (a.sessions) return { ...state, sessions: a.sessions, sessionsError: null };
  return a.error === undefined || a.error === state.sessionsError ? state : { ...state, sessionsError: a.error };
}

/** A read of the open transcript settled; a read of one closed since is dropped. */
export function sessionLoaded(state: DashboardState, detail: SessionDetail): DashboardState {
  if (state.pane !== "sessions" || state.detail !== detail.key) return state;
  return { ...state, sessionDetail: detail };
}

/** Enter on a row: open its transcript, following the newest message. */
export function openSession(state: DashboardState): DashboardState {
  const s = targetSession(state);
  return s ? { ...state, detail: s.key, detailScroll: 0, sessionDetail: null } : state;
}

/** j/k in the transcript: lines scrolled back from the newest (0 follows new messages). */
export function scrollSession(state: DashboardState, delta: number): DashboardState {
  // The lines the transcript draws (messages, waiting ones, undelivered replies): every one can be scrolled to.
  const len = state.sessionDetail ? transcriptLines(state.sessionDetail).length : 0;
  const scroll = clamp(state.detailScroll - delta, 0, Math.max(0, len - 1));
  return scroll === state.detailScroll ? state : { ...state, detailScroll: scroll };
}

/** x resets the session, s stops it (or starts a stopped one). */
export function controlSession(state: DashboardState, op: "reset" | "toggle", at: number | undefined): DashboardState {
  if (state.help || state.pane !== "sessions") return state;
  const s = targetSession(state);
  if (!s) return { ...state, notice: infoNotice("no session selected", at) };
  if (!state.controls) return { ...state, notice: infoNotice(READ_ONLY_SESSIONS_NOTICE, at) };
  if (state.request) return state;
  const action = op === "reset" ? "session-reset" : s.state === "stopped" ? "session-start" : "session-stop";
  return withRequest(state, action, s.key);
}
