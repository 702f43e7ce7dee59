import { parseHostPort } from "../../util/listen.ts";
import type { TwitchAdapterConfig } from "../twitch/kind.ts";
import type { IrcAdapterConfig } from "./kind.ts";
import { asciiLower } from "./parse.ts";

/** How capabilities are negotiated: `ls` = CAP LS 302 and request what is offered; `req` = CAP REQ blindly (Twitch). */
export type CapMode = { mode: "ls"; want: string[] } | { mode: "req"; want: string[] };

/** Everything one IRC connection needs; built from an adapter config. */
export interface IrcClientOptions {
  host: string;
  port: number;
  tls: boolean;
  tlsVerify: boolean;
  nick: string;
  username: string;
  realname: string;
  /** Sent as PASS (server password, or Twitch's oauth token). */
  password?: string;
  sasl?: { username: string; password: string };
  nickservPassword?: string;
  cap: CapMode;
  /** Try nick_, nick__, nick1234 when the nick is taken (not on Twitch, where the login is fixed). */
  nickFallback: boolean;
  channels: string[];
  pingIntervalMs: number;
  sendBurst: number;
  sendIntervalMs: number;
  /** Longest message in characters the network accepts (Twitch: 500). */
  maxTextChars?: number;
}

/** Which channel messages reach the agent. */
export type AddressRule = { kind: "irc" } | { kind: "twitch"; triggerPrefix?: string };

export interface IrcSpec {
  kind: "irc" | "twitch";
  options: IrcClientOptions;
  rule: AddressRule;
}

function hostPort(server: string): { host: string; port: number } {
  const hp = parseHostPort(server);
  if (!hp) throw new Error(`server "${server}" is not host:port`);
  return hp;
}

/** Connection options of an `irc` adapter. Throws for settings that can't work together. */
export function ircSpec(config: IrcAdapterConfig): IrcSpec {
  const { host, port } = hostPort(config.server);
  if ((config.sasl_username === undefined) !== (config.sasl_password === undefined)) {
    throw new Error("sasl_username and sasl_password must be set together");
  }
  const sasl = config.sasl_username !== undefined && config.sasl_password !== undefined ? { username: config.sasl_username, password: config.sasl_password } : undefined;
  return {
    kind: "irc",
    rule: { kind: "irc" },
    options: {
      host,
      port,
      tls: config.tls,
      tlsVerify: config.tls_verify,
      nick: config.nick,
      username: config.username ?? config.nick,
      realname: config.realname ?? "bosun",
      password: config.password,
      sasl,
      nickservPassword: config.nickserv_password,
      cap: { mode: "ls", want: ["message-tags", "server-time", ...(sasl ? ["sasl"] : [])] },
      nickFallback: true,
      channels: config.channels,
      pingIntervalMs: config.ping_interval_ms,
      sendBurst: config.send_burst,
      sendIntervalMs: config.send_interval_ms,
    },
  };
}

/** Connection options of a `twitch` adapter (Twitch's IRC conventions). */
export function twitchSpec(config: TwitchAdapterConfig): IrcSpec {
  const { host, port } = hostPort(config.server);
  const login = asciiLower(config.username.trim());
  if (!/^[a-z0-9_]{1,25}$/.test(login)) throw new Error(`username "${config.username}" is not a valid Twitch login`);
  const token = config.oauth_token.trim();
  if (/[\s\0]/.test(token)) throw new Error("oauth_token contains whitespace");
  return {
    kind: "twitch",
    rule: { kind: "twitch", triggerPrefix: config.trigger_prefix },
    options: {
      host,
      port,
      tls: config.tls,
      tlsVerify: config.tls_verify,
      nick: login,
      username: login,
      realname: login,
      password: token.startsWith("oauth:") ? token : `oauth:${token}`,
      cap: { mode: "req", want: ["twitch.tv/tags", "twitch.tv/commands"] },
      nickFallback: false,
      channels: config.channels.map(asciiLower),
      pingIntervalMs: config.ping_interval_ms,
      sendBurst: config.send_burst,
      sendIntervalMs: config.send_interval_ms,
      maxTextChars: 500,
    },
  };
}
