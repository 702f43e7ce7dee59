/** The Integrations pane's reducer steps: its rows as read, r (refresh), enter (a source's tools) and their scroll. */
import type { IntegrationsReport, ToolReport } from "../core/integrations/types.ts";
import { infoNotice, NOTICE_MS } from "./control.ts";
import { oneLine } from "./format.ts";
import { helpMaxScroll } from "./helpRows.ts";
import { toolLines } from "./integrationColumns.ts";
import { clamp, selectedIndex } from "./selection.ts";
import { visibleIntegrations } from "./view.ts";
import type { DashboardState } from "./state.ts";

/**
 * A read of the integrations settled. Its rows replace `status.integrations` (as an
 * `integrations.state` event does), unless the gateway made it before the one shown: a poll that
 * started before a refresh must not put the old rows back. An answer to a refresh says so in the
 * footer.
 */
export function integrationsLoaded(state: DashboardState, a: { report?: IntegrationsReport; error?: string; refresh?: number; at?: number }): DashboardState {
  let s = state;
  const r = a.report;
  if (r && !(s.integrationsRead && r.at < s.integrationsRead.at)) {
    s = { ...s, status: { ...s.status, integrations: r.sources }, integrationsRead: { offered: r.offered, maxTools: r.maxTools, at: r.at }, integrationsError: null };
  } else if (a.error !== undefined && a.refresh === undefined && a.error !== s.integrationsError) {
    s = { ...s, integrationsError: a.error };
  }
  if (a.refresh === undefined || a.refresh !== s.integrationsRefresh) return s;
  const expiresAt = a.at === undefined ? null : a.at + NOTICE_MS;
  const notice = r
    ? { text: `integrations refreshed: ${count(r.sources.length, "source")}, ${r.offered} of ${r.maxTools} tools offered`, tone: "ok" as const, expiresAt }
    : { text: `refresh failed: ${oneLine(a.error ?? "no answer")}`, tone: "failure" as const, expiresAt };
  return { ...s, integrationsRefresh: null, notice };
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/** r: drop the gateway's cache and list every source again; one refresh at a time. */
export function refreshIntegrations(state: DashboardState, at: number | undefined): DashboardState {
  if (state.help || state.pane !== "integrations") return state;
  if (state.integrationsRefresh !== null) return { ...state, notice: state.notice ?? infoNotice("a refresh is under way", at) };
  return { ...state, nextId: state.nextId + 1, integrationsRefresh: state.nextId, notice: { text: "refreshing integrations…", tone: "pending", expiresAt: null } };
}

/** Enter on a row: open that source's tools (read by useIntegrations). */
export function openIntegration(state: DashboardState): DashboardState {
  const row = visibleIntegrations(state)[selectedIndex(state, "integrations")];
  return row ? { ...state, detail: row.name, detailScroll: 0, integrationTools: null, integrationToolsError: null } : state;
}

/** A read of one source's tools settled; an answer for a source closed since is dropped. */
export function integrationToolsLoaded(state: DashboardState, a: { source: string; tools?: readonly ToolReport[]; error?: string }): DashboardState {
  if (state.pane !== "integrations" || state.detail !== a.source) return state;
  if (a.tools) return { ...state, integrationTools: { source: a.source, tools: a.tools }, integrationToolsError: null };
  return a.error === undefined || a.error === state.integrationToolsError ? state : { ...state, integrationToolsError: a.error };
}

/**
 * j/k in the tools view: the first line shown. It scrolls like the help (three rows above the
 * lines, a "more" row at the bottom while there are more), over the lines it draws.
 */
export function scrollTools(state: DashboardState, delta: number): DashboardState {
  const tools = state.integrationTools?.source === state.detail ? state.integrationTools.tools : [];
  const max = helpMaxScroll(toolLines(tools, state.columns).length, state.bodyRows);
  const scroll = clamp(state.detailScroll + delta, 0, max);
  return scroll === state.detailScroll ? state : { ...state, detailScroll: scroll };
}
