import type { InstallStatus } from "../core/status.ts";
import { askConfirm, confirmOpen } from "./confirm.ts";
import { infoNotice, READ_ONLY_INSTALLS_NOTICE } from "./control.ts";
import { withRequest } from "./request.ts";
import { selectedIndex } from "./selection.ts";
import { visibleInstalls } from "./view.ts";
import type { DashboardState } from "./state.ts";

export { CONFIRM_MS } from "./confirm.ts";

/** The install `x` and `u` act on: the selected row, as drawn (filtered and sorted). */
export function selectedInstall(state: DashboardState): InstallStatus | undefined {
  return visibleInstalls(state)[selectedIndex(state, "installs")];
}

/** `x`: cancel the selected install, which only means something while it is queued or running. */
export function cancelInstall(state: DashboardState, at: number | undefined): DashboardState {
  if (!onInstalls(state)) return state;
  if (!state.controls) return { ...state, notice: infoNotice(READ_ONLY_INSTALLS_NOTICE, at) };
  const x = selectedInstall(state);
  if (!x || (x.state !== "installing" && x.state !== "queued")) {
    return { ...state, notice: infoNotice(x ? `nothing to cancel: ${x.target} is ${x.state}` : "nothing to cancel", at) };
  }
  if (state.request) return state;
  return withRequest(state, "cancel", x.target);
}

/**
 * `u`: the first press asks for confirmation, a second press on the same target within
 * CONFIRM_MS uninstalls it. Removing a model by accident costs a long download.
 */
export function uninstallInstall(state: DashboardState, at: number | undefined): DashboardState {
  if (!onInstalls(state)) return state;
  if (!state.controls) return { ...state, notice: infoNotice(READ_ONLY_INSTALLS_NOTICE, at) };
  const x = selectedInstall(state);
  if (!x) return { ...state, confirm: null, notice: infoNotice("nothing to uninstall", at) };
  if (x.state === "installing" || x.state === "queued") {
    return { ...state, confirm: null, notice: infoNotice(`${x.target} is being installed: press x to cancel it first`, at) };
  }
  if (x.state === "missing") return { ...state, confirm: null, notice: infoNotice(`nothing to uninstall: ${x.target} is not installed`, at) };
  if (!confirmOpen(state.confirm, "uninstall", x.target, at)) return askConfirm(state, "uninstall", x.target, at);
  if (state.request) return state;
  return withRequest({ ...state, confirm: null }, "uninstall", x.target);
}

function onInstalls(state: DashboardState): boolean {
  return !state.help && state.pane === "installs" && state.picker === null;
}
