/** Split a `host:port` / `[v6]:port` listen address. Validation happened in the config schema. */
export function parseListen(listen: string): { hostname: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(listen) ?? /^([^:]+):(\d+)$/.exec(listen);
  if (!m) throw new Error(`listen address "${listen}" is not host:port`);
  return { hostname: m[1]!, port: Number(m[2]) };
}

/** URL base for a listen address (brackets IPv6). */
export function listenUrl(hostname: string, port: number, scheme = "http"): string {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return `${scheme}://${host}:${port}`;
}
