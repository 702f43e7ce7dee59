import { isWildcardHost, normalizeHost } from "./origin.ts";

// The listen-address syntax is shared by the config schema (validation) and the listeners
// (binding), so it lives here, below both.

/** A parsed `host:port` listen address. */
export interface HostPort {
  /** Hostname or IP; IPv6 without brackets (ready for `listen({ hostname })`). */
  host: string;
  port: number;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV6 = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?$/;

/** Parse "host:port" (IPv6 as "[::1]:port"); undefined when malformed or the port is not 1-65535. */
export function parseHostPort(text: string): HostPort | undefined {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const portText = text.slice(colon + 1);
  // Digits only: Number() would also accept "0x1F", " 80" or "1e3".
  if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  const hostPart = text.slice(0, colon);
  if (hostPart.startsWith("[")) {
    if (!hostPart.endsWith("]")) return undefined;
    const host = hostPart.slice(1, -1);
    return host.includes(":") && IPV6.test(host) ? { host, port } : undefined;
  }
  // An unbracketed colon means a bare IPv6 address, whose port would be ambiguous.
  if (hostPart.includes(":") || !HOSTNAME.test(hostPart)) return undefined;
  return { host: hostPart, port };
}

/** Format a host and port back into the "host:port" form config files use. */
export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(":") ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

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
