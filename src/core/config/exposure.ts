import { formatHostPort, parseHostPort } from "../util/listen.ts";
import { webchat } from "../adapters/webchat/kind.ts";
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
 * (the schema requires the webchat's access_token or public = true); these warnings make sure the
 * user sees it each time, not only when writing the file.
 */
export function exposureWarnings(config: BosunConfig): ExposureWarning[] {
  const out: ExposureWarning[] = [];
  for (const [name, a] of Object.entries(config.adapters)) {
    const web = webchat.configOf(a);
    if (web && web.allowed_hosts.length > 0 && isLoopbackListen(web.listen) && web.access_token === undefined && !web.public) {
      // Other Host names on a loopback listener mean a reverse proxy: the network may reach it after all.
      out.push({
        adapter: name,
        listen: web.listen,
        message: `[adapters.${name}] answers to ${web.allowed_hosts.join(", ")} (allowed_hosts): behind a reverse proxy the chat is reachable from the network, with no access_token`,
      });
    }
    if (!("listen" in a) || typeof a.listen !== "string" || isLoopbackListen(a.listen)) continue;
    const hp = parseHostPort(a.listen);
    const listen = hp ? formatHostPort(hp) : a.listen;
    let how: string;
    if (web) how = web.public ? "public = true: anyone who can reach it can chat with the agent and spend its provider budget" : "the chat page needs its access token";
    else if (a.kind === "webhook") how = "requests must carry a valid signature";
    else how = "reachable by anyone on the network";
    out.push({ adapter: name, listen, message: `[adapters.${name}] listens on ${listen}, beyond loopback: reachable from the network; ${how}` });
  }
  return out;
}
