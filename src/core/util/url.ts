/** A URL safe to show in logs and errors: scheme, host and path only (userinfo, query and fragment can carry tokens). */
export function safeUrl(url: string, invalid = "(invalid URL)"): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return invalid;
  }
}
