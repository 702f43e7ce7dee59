import { errorMessage } from "../../errors.ts";
import type { KindCheck } from "../kind.ts";
import { SlackApi, SlackApiError } from "./api.ts";
import type { SlackAdapterConfig } from "./kind.ts";

/**
 * `bosun doctor`'s check: the bot token through auth.test, the app token through
 * apps.connections.open (the only call that proves an xapp token can open Socket Mode; the URL
 * it hands out is left unused and expires). Never throws.
 */
export async function checkSlack(config: SlackAdapterConfig, signal: AbortSignal): Promise<KindCheck> {
  const api = new SlackApi(config.api_root, [config.app_token, config.bot_token], () => Date.now());
  const opts = { timeoutMs: 10_000, signal };
  let who = "";
  try {
    const me = await api.call("auth.test", config.bot_token, {}, opts);
    who = `${typeof me.user === "string" ? me.user.slice(0, 100) : "bot"}${typeof me.team === "string" ? ` in ${me.team.slice(0, 100)}` : ""}`;
  } catch (err) {
    return refused("bot_token", err, "a bot token (xoxb-...) from OAuth & Permissions, installed to the workspace");
  }
  try {
    await api.call("apps.connections.open", config.app_token, {}, opts);
  } catch (err) {
    return refused("app_token", err, "an app-level token (xapp-...) with connections:write, and Socket Mode turned on");
  }
  return { outcome: "ok", detail: `bot token accepted (${who}), app token opens Socket Mode` };
}

function refused(which: string, err: unknown, hint: string): KindCheck {
  if (err instanceof SlackApiError) return { outcome: "fail", detail: `${which} refused: ${err.code}`, hint };
  return { outcome: "fail", detail: `Slack not reachable: ${errorMessage(err).slice(0, 200)}` };
}
