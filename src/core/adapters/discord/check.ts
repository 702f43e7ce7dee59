import { errorMessage } from "../../errors.ts";
import { Redactor } from "../../util/redact.ts";
import type { KindCheck } from "../kind.ts";
import type { DiscordAdapterConfig } from "./kind.ts";
import { parseUser } from "./wire.ts";

/** Application flags saying the Message Content intent is enabled (GATEWAY_MESSAGE_CONTENT, its _LIMITED form for bots in under 100 servers). */
const MESSAGE_CONTENT_FLAGS = (1 << 19) | (1 << 18);

/**
 * `bosun doctor`'s check: GET /users/@me proves the token, GET /applications/@me tells whether
 * the Message Content intent is enabled (without it the gateway closes with 4014). Never throws.
 */
export async function checkDiscord(config: DiscordAdapterConfig, signal: AbortSignal): Promise<KindCheck> {
  const base = `${config.api_root.replace(/\/+$/, "")}/v10`;
  const redactor = new Redactor();
  redactor.set([config.token]);
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bot ${config.token}`, "user-agent": "DiscordBot (bosun, 1)" }, signal });
    const body = (await res.json().catch(() => null)) as unknown;
    return { status: res.status, body };
  };
  try {
    const me = await get("/users/@me");
    if (me.status === 401) return { outcome: "fail", detail: "token refused (401 Unauthorized)", hint: "the bot token from the Developer Portal → your application → Bot (reset it there if it leaked)" };
    const user = me.status === 200 ? parseUser(me.body) : undefined;
    if (!user) return { outcome: "fail", detail: `GET /users/@me answered HTTP ${me.status}` };
    const app = await get("/applications/@me");
    const flags = app.status === 200 && typeof (app.body as { flags?: unknown } | null)?.flags === "number" ? (app.body as { flags: number }).flags : undefined;
    const who = `bot @${user.username.slice(0, 100)}`;
    if (flags === undefined) return { outcome: "warn", detail: `token accepted (${who}); the Message Content intent could not be read (HTTP ${app.status})` };
    if ((flags & MESSAGE_CONTENT_FLAGS) === 0) {
      return { outcome: "fail", detail: `token accepted (${who}), but the Message Content intent is not enabled (the gateway would close with 4014)`, hint: "Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent" };
    }
    return { outcome: "ok", detail: `token accepted (${who}), Message Content intent enabled` };
  } catch (err) {
    if (signal.aborted) return { outcome: "fail", detail: "Discord did not answer in time" };
    return { outcome: "fail", detail: `Discord not reachable: ${redactor.apply(errorMessage(err)).slice(0, 200)}` };
  }
}
