/**
 * An action on the gateway entered in the dashboard's state. Apart from control.ts (requests and
 * notices, which the state's types name), so that module needs nothing of the state.
 */
import { pendingNotice, type ControlAction, type ControlRequest } from "./control.ts";
import type { DashboardState } from "./state.ts";

/** Record a request (one at a time; the caller checks) and say that it is under way. */
export function withRequest(state: DashboardState, action: ControlAction, name: string): DashboardState {
  const request: ControlRequest = { id: state.nextId, action, name };
  return { ...state, nextId: state.nextId + 1, request, notice: pendingNotice(request) };
}
