import { redactPatterns } from "./redact.ts";

/**
 * A URL safe to show in logs and errors: scheme, host and path only (userinfo, query and fragment
 * can carry tokens), the path through the shared credential rules (`/bot<token>/`, `sk-...`).
 */
export function safeUrl(url: string, invalid = "(invalid URL)"): string {
  try {
    const u = new URL(url);
    return redactPatterns(`${u.protocol}//${u.host}${u.pathname}`);
  } catch {
    return invalid;
  }
}
