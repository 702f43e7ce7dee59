import { findAdapterKind } from "../adapters/registry.ts";
import { formatHostPort, parseHostPort } from "../util/listen.ts";
import { isLoopbackListen } from "./fields.ts";
import type { BosunConfig } from "./schema.ts";

/** A listener reachable from beyond this machine, said plainly (config check, doctor and up print these). */
export interface ExposureWarning {
  adapter: string;
  listen: string;
  message: string;
}

/**
 * Every adapter that listens beyond loopback. Such a config is valid only when made explicit
 * (each kind's schema asks for its guard, e.g. the webchat's access_token or public = true); these
 * warnings make sure the user sees it each time, not only when writing the file. What listens and
 * what guards it is each kind's own word (its `listener` in kind.ts).
 */
export function exposureWarnings(config: BosunConfig): ExposureWarning[] {
  const out: ExposureWarning[] = [];
  for (const [name, a] of Object.entries(config.adapters)) {
    const l = findAdapterKind(a.kind)?.listenerOf(a);
    if (!l) continue;
    if (l.note !== undefined) out.push({ adapter: name, listen: l.listen, message: `[adapters.${name}] ${l.note}` });
    if (isLoopbackListen(l.listen)) continue;
    const hp = parseHostPort(l.listen);
    const listen = hp ? formatHostPort(hp) : l.listen;
    out.push({ adapter: name, listen, message: `[adapters.${name}] listens on ${listen}, beyond loopback: reachable from the network; ${l.guard}` });
  }
  return out;
}
