import { parseHostPort } from "../config/listen.ts";
import { isWildcardHost, normalizeHost } from "./origin.ts";

/** Split a `host:port` / `[v6]:port` listen address (the config schema's parser; validated there already). */
export function parseListen(listen: string): { hostname: string; port: number } {
  const hp = parseHostPort(listen);
  if (!hp) throw new Error(`listen address "${listen}" is not host:port`);
  return { hostname: hp.host, port: hp.port };
}

/** URL base for a listen address (brackets IPv6). */
export function listenUrl(hostname: string, port: number, scheme = "http"): string {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return `${scheme}://${host}:${port}`;
}

/** The address a server reaches itself at: a wildcard listen is probed over loopback. */
export function selfHost(hostname: string): string {
  if (!isWildcardHost(hostname)) return hostname;
  return normalizeHost(hostname) === "::" ? "::1" : "127.0.0.1";
}
