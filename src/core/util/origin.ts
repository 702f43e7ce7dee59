/**
 * Host names and addresses, and who may talk to a web listener: the one place that classifies a
 * host (loopback, wildcard, IP literal) and compares hosts, for the config (listen collisions,
 * exposure), the listeners (Host and Origin checks) and their self-probes (util/listen.ts).
 *
 * Hosts are compared in one canonical form: lower case, without brackets or a trailing dot, and
 * written as the URL parser writes them, so every spelling of an address is one string
 * (`[0:0::1]` and `[::1]` are `::1`, `127.1` is `127.0.0.1`, `[::ffff:127.0.0.1]` is `::ffff:7f00:1`).
 *
 * Two browser attacks matter for a server on a user's machine: a page on another origin opening
 * our WebSocket (browsers do not apply CORS to WebSockets), and DNS rebinding (an attacker's name
 * resolving to 127.0.0.1, so the browser thinks it is same origin). The Origin header answers the
 * first, the Host header the second.
 */

/** Host names and addresses that always mean "this machine". Takes a host, `[v6]` or `host:port`. */
export function isLoopbackHost(host: string): boolean {
  const h = normalizeHost(host);
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1") return true;
  const v4 = mappedV4(h) ?? h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** A wildcard listen address: every interface of the machine (0.0.0.0, [::], in any spelling). */
export function isWildcardHost(host: string): boolean {
  const h = normalizeHost(host);
  return h === "::" || (mappedV4(h) ?? h) === "0.0.0.0";
}

/** An IP literal (v4 or v6): a name an attacker's DNS cannot rebind. */
export function isIpLiteral(host: string): boolean {
  const h = normalizeHost(host);
  return IPV4.test(h) || (h.includes(":") && /^[0-9a-f:.]+$/.test(h));
}

/**
 * The canonical form hosts are compared in (see the module doc). Takes a bare host, `[v6]`, or
 * `host:port` / `[v6]:port` (the port is dropped). A host the URL parser refuses (an IPv6 zone
 * id such as `fe80::1%eth0`) is kept as written, in lower case.
 */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    h = end === -1 ? h.slice(1) : h.slice(1, end);
  } else if (h.split(":").length === 2) {
    h = h.slice(0, h.indexOf(":"));
  }
  if (h.endsWith(".")) h = h.slice(0, -1);
  return canonical(h) ?? h;
}

/** A Host header that follows the grammar, split: canonical host and the port, if one was given. */
export interface HostHeader {
  host: string;
  port: number | null;
}

/** A DNS-style name (letters, digits, `-` and `_` in dot-separated labels) or a dotted IPv4 address. */
const REG_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/i;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/i;
const PORT = /^[0-9]{1,5}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Parse a Host header strictly: `reg-name`, IPv4 or `[IPv6]`, then optionally `:` and a port of
 * digits (0-65535), nothing else. Null for anything else: `localhost:evil`, `localhost:1/x`,
 * `[localhost]`, `[::1]evil.com`, `user@host`, two Host headers joined by a comma. What passes
 * here also makes a valid URL, so a request let through never fails to parse later.
 */
export function parseHostHeader(value: string | null): HostHeader | null {
  if (value === null) return null;
  let hostPart = value;
  let port: number | null = null;
  const close = value.lastIndexOf("]");
  const colon = value.lastIndexOf(":");
  if (colon > close && (close !== -1 || value.indexOf(":") === colon)) {
    const portText = value.slice(colon + 1);
    hostPart = value.slice(0, colon);
    // RFC 3986 allows an empty port ("localhost:"); it means the scheme's default.
    if (portText !== "") {
      if (!PORT.test(portText) || Number(portText) > 65535) return null;
      port = Number(portText);
    }
  }
  if (hostPart.startsWith("[") ? !IPV6_LITERAL.test(hostPart) : !REG_NAME.test(hostPart)) return null;
  const v6 = hostPart.startsWith("[");
  if (v6 && !hostPart.includes(":")) return null;
  const host = canonical((v6 ? hostPart.slice(1, -1) : hostPart.replace(/\.$/, "")).toLowerCase());
  return host === null ? null : { host, port };
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
 * A missing Host is refused (every HTTP/1.1 client sends one), and so is one that breaks the
 * Host grammar (parseHostHeader).
 */
export function hostAllowed(hostHeader: string | null, policy: HostPolicy): boolean {
  const parsed = parseHostHeader(hostHeader);
  if (!parsed) return false;
  const h = parsed.host;
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
  const host = parseHostHeader(hostHeader);
  if (!host) return false;
  const defaultPort = origin.protocol === "https:" ? 443 : 80;
  const originPort = origin.port === "" ? defaultPort : Number(origin.port);
  return normalizeHost(origin.hostname) === host.host && originPort === (host.port ?? defaultPort);
}

function sameOrigin(allowed: string, origin: URL): boolean {
  try {
    return new URL(allowed).origin === origin.origin;
  } catch {
    return false;
  }
}

/** A host (lower case, unbracketed) as the URL parser writes it; null when it is no valid URL host. */
function canonical(host: string): string | null {
  if (host === "") return null;
  try {
    const h = new URL(`http://${host.includes(":") ? `[${host}]` : host}/`).hostname;
    const bare = h.startsWith("[") ? h.slice(1, -1) : h;
    return bare.endsWith(".") ? bare.slice(0, -1) : bare;
  } catch {
    return null;
  }
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:7f00:1` is 127.0.0.1), else null. */
function mappedV4(host: string): string | null {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!m) return null;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
