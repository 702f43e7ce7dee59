/** r and s on the Adapters pane: restart, stop or start the adapter, asking before the last running channel stops. */
import { askConfirm } from "./confirm.ts";
import { actionFor, infoNotice, READ_ONLY_NOTICE } from "./control.ts";
import { withRequest } from "./request.ts";
import { targetAdapter } from "./selection.ts";
import type { DashboardState } from "./state.ts";

/** `r` / `s` on the selected adapter (or the one whose details are open). */
export function controlAdapter(state: DashboardState, op: "restart" | "toggle", at: number | undefined): DashboardState {
  if (state.help || state.pane !== "adapters") return state;
  const a = targetAdapter(state);
  if (!a) return state;
  if (!state.controls) return { ...state, notice: infoNotice(READ_ONLY_NOTICE, at) };
  // One at a time: the line already says what is under way, and a second press of `r` while a
  // restart runs is impatience, not a request for another restart.
  if (state.request) return state;
  const action = actionFor(op, a);
  // Stopping the only channel that works leaves nobody able to reach the agent: ask first.
  if (action === "stop" && a.state === "running" && state.status.adapters.filter((x) => x.state === "running").length === 1) {
    return askConfirm(state, "stop", a.name, at);
  }
  return withRequest(state, action, a.name);
}

/** y or n to "stop the only running channel?". */
export function answerStop(state: DashboardState, yes: boolean, at: number | undefined): DashboardState {
  const c = state.confirm;
  if (!c || c.kind !== "stop") return state;
  const rest = { ...state, confirm: null };
  if (!yes) return { ...rest, notice: infoNotice(`kept ${c.target} running`, at) };
  if (state.request) return { ...rest, notice: null };
  return withRequest(rest, "stop", c.target);
}
