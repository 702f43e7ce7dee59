import type { IrcAdapterConfig, TwitchAdapterConfig } from "../../config/schema.ts";
import type { AdapterFactory } from "../types.ts";
import { createIrcLikeAdapter } from "./adapter.ts";
import { ircSpec, twitchSpec } from "./options.ts";

/** The `irc` adapter: any IRC network, plain or TLS, SASL PLAIN or NickServ (see inbound.ts for who it answers). */
export const createIrcAdapter: AdapterFactory = (ctx) => createIrcLikeAdapter(ctx, "irc", () => ircSpec(ctx.config as IrcAdapterConfig));

/** The `twitch` adapter: Twitch chat over IRC with Twitch's conventions (oauth PASS, tags, RECONNECT). */
export const createTwitchAdapter: AdapterFactory = (ctx) => createIrcLikeAdapter(ctx, "twitch", () => twitchSpec(ctx.config as TwitchAdapterConfig));
