/**
 * Who may talk to a web listener. Two browser attacks matter for a server on a user's machine:
 * a page on another origin opening our WebSocket (browsers do not apply CORS to WebSockets), and
 * DNS rebinding (an attacker's name resolving to 127.0.0.1, so the browser thinks it is same
 * origin). The Origin header answers the first, the Host header the second.
 */

/** Host names and addresses that always mean "this machine". */
export function isLoopbackHost(host: string): boolean {
  const h = normalizeHost(host);
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  // IPv4-mapped IPv6 loopback.
  return /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** A wildcard listen address: every interface of the machine. */
export function isWildcardHost(host: string): boolean {
  const h = normalizeHost(host);
  return h === "0.0.0.0" || h === "::" || h === "0:0:0:0:0:0:0:0";
}

/** An IP literal (v4 or v6): a name an attacker's DNS cannot rebind. */
export function isIpLiteral(host: string): boolean {
  const h = normalizeHost(host);
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || (h.includes(":") && /^[0-9a-f:.]+$/.test(h));
}

/** Lower-case, without brackets, port or a trailing dot: the form hosts are compared in. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    h = end === -1 ? h.slice(1) : h.slice(1, end);
  } else if (h.split(":").length === 2) {
    h = h.slice(0, h.indexOf(":"));
  }
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

export interface HostPolicy {
  /** The hostname the server listens on (IPv6 without brackets). */
  listenHost: string;
  /** Extra names the operator allows (a LAN name, a reverse proxy's public name). */
  allowedHosts?: readonly string[];
}

/**
 * Whether a request's Host header names this server: loopback names, the listen address, the
 * operator's allowed names, and, on a wildcard listener, any IP literal (rebinding needs a name).
 * A missing Host is refused: every HTTP/1.1 client sends one.
 */
export function hostAllowed(hostHeader: string | null, policy: HostPolicy): boolean {
  if (!hostHeader) return false;
  const h = normalizeHost(hostHeader);
  if (h === "") return false;
  if (isLoopbackHost(h)) return true;
  if (h === normalizeHost(policy.listenHost)) return true;
  if (policy.allowedHosts?.some((a) => normalizeHost(a) === h)) return true;
  return isWildcardHost(policy.listenHost) && isIpLiteral(h);
}

/**
 * Whether a WebSocket upgrade may proceed, by its Origin: absent (not a browser: browsers always
 * send it on WebSocket upgrades), the same origin as the Host it was sent to, or one the operator
 * listed. `null` origins (sandboxed frames, file: pages) are refused.
 */
export function originAllowed(originHeader: string | null, hostHeader: string | null, allowedOrigins: readonly string[] = []): boolean {
  if (originHeader === null) return true;
  let origin: URL;
  try {
    origin = new URL(originHeader);
  } catch {
    return false;
  }
  if (origin.protocol !== "http:" && origin.protocol !== "https:") return false;
  if (allowedOrigins.some((a) => sameOrigin(a, origin))) return true;
  if (!hostHeader) return false;
  return origin.host.toLowerCase() === hostHeader.trim().toLowerCase();
}

function sameOrigin(allowed: string, origin: URL): boolean {
  try {
    return new URL(allowed).origin === origin.origin;
  } catch {
    return false;
  }
}
