import type { TwitchAdapterConfig } from "../twitch/kind.ts";
import type { AdapterFactory } from "../types.ts";
import { createIrcLikeAdapter } from "./adapter.ts";
import type { IrcAdapterConfig } from "./kind.ts";
import { ircSpec, twitchSpec } from "./options.ts";

/** The `irc` adapter: any IRC network, plain or TLS, SASL PLAIN or NickServ (see inbound.ts for who it answers). */
export const createIrcAdapter: AdapterFactory<IrcAdapterConfig> = (ctx) => createIrcLikeAdapter(ctx, "irc", () => ircSpec(ctx.config));

/** The `twitch` adapter: Twitch chat over IRC with Twitch's conventions (oauth PASS, tags, RECONNECT). */
export const createTwitchAdapter: AdapterFactory<TwitchAdapterConfig> = (ctx) => createIrcLikeAdapter(ctx, "twitch", () => twitchSpec(ctx.config));
