import { findAdapterKind } from "../adapters/registry.ts";
import type { AdapterConfig } from "../adapters/types.ts";
import { ConfigError } from "../errors.ts";
import { formatKeyPath, type KeyPath } from "./keypath.ts";
import { formatHostPort, parseHostPort, type HostPort } from "../util/listen.ts";
import { indexKeyPositions, pathId, type SourcePosition } from "./locate.ts";
import { isWildcardHost, normalizeHost } from "../util/origin.ts";

/** Where the config text is, for positions in errors. */
export interface ListenSource {
  file: string;
  text: string;
}

interface Listener {
  adapter: string;
  listen: string;
  hp: HostPort;
  /** Canonical host (util/origin.ts normalizeHost): every spelling of an address is one string. */
  host: string;
  path: KeyPath;
  at: SourcePosition;
}

/**
 * Two adapters of one config may not listen on the same port of the same address: the second
 * would loop in backoff on "address in use". A wildcard address (0.0.0.0, [::]) takes the port on
 * every address, so it collides with any host on that port; `localhost` is the loopback address.
 * Which adapters listen, and where, is each kind's word (its `listener` in kind.ts).
 * Throws a ConfigError at the listen value of the adapter written later, naming the other one.
 */
export function checkListenCollisions(adapters: Record<string, AdapterConfig>, src: ListenSource): void {
  const positions = indexKeyPositions(src.text);
  const listeners: Listener[] = [];
  for (const [adapter, cfg] of Object.entries(adapters)) {
    const listen = findAdapterKind(cfg.kind)?.listenerOf(cfg)?.listen;
    if (listen === undefined) continue;
    const hp = parseHostPort(listen);
    if (!hp) continue; // the schema reports a malformed address
    const path = ["adapters", adapter, "listen"];
    listeners.push({ adapter, listen, hp, host: normalizeHost(hp.host), path, at: valuePosition(src.text, positions, path) });
  }
  // Report against the adapter written later, so the first one stays as written.
  listeners.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);
  for (let i = 1; i < listeners.length; i++) {
    const mine = listeners[i]!;
    const other = listeners.slice(0, i).find((o) => o.hp.port === mine.hp.port && hostsOverlap(o.host, mine.host));
    if (!other) continue;
    const used = new Set(listeners.map((l) => l.hp.port));
    let free = mine.hp.port + 1;
    while (used.has(free) && free < 65535) free++;
    throw new ConfigError(
      `${formatKeyPath(mine.path)}: port ${mine.hp.port} is already taken by adapter "${other.adapter}" (${other.listen}${isWildcardHost(other.host) ? ", every address" : ""})`,
      {
        file: src.file,
        line: mine.at.line,
        column: mine.at.column,
        key: formatKeyPath(mine.path),
        hint: `give each adapter its own port, e.g. listen = "${formatHostPort({ host: mine.hp.host, port: free })}"`,
      },
    );
  }
}

/** What `localhost` is bound on: the address it resolves to. */
const LOCALHOST = new Set(["localhost", "127.0.0.1", "::1"]);

/** Whether two canonical hosts can't both bind one port. */
function hostsOverlap(a: string, b: string): boolean {
  if (isWildcardHost(a) || isWildcardHost(b)) return true;
  if (a === "localhost" || b === "localhost") return LOCALHOST.has(a) && LOCALHOST.has(b);
  return a === b;
}

/** The position of the value written for `path` (just after `=`), else of the closest written ancestor. */
function valuePosition(text: string, positions: Map<string, SourcePosition>, path: KeyPath): SourcePosition {
  const key = positions.get(pathId(path));
  if (!key) {
    for (let n = path.length - 1; n > 0; n--) {
      const hit = positions.get(pathId(path.slice(0, n)));
      if (hit) return hit;
    }
    return { line: 1, column: 1 };
  }
  const line = text.split("\n")[key.line - 1] ?? "";
  // The key is `listen` or `"listen"`: the first "=" after its start is the assignment.
  const eq = line.indexOf("=", key.column - 1);
  if (eq === -1) return key;
  let col = eq + 1;
  while (line[col] === " " || line[col] === "\t") col++;
  return { line: key.line, column: col + 1 };
}
