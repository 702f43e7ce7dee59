import { isSecretParam } from "../util/redact.ts";
import { SECRET_KEYS } from "./schema.ts";

/** True for config keys that hold secrets: api_key, token, oauth_token, sasl_password, nickserv_password, webhook secret, headers... */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_KEYS.some((s) => k === s || k.endsWith(`_${s}`));
}

/**
 * Every secret value in `data`, longest first so redaction replaces whole secrets before their
 * substrings: strings under a secret key at any depth (everything below one, for tables such as
 * `headers`), and the credential parts of any URL the config holds (userinfo password, `?token=`).
 */
export function collectSecrets(data: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, secret: boolean): void => {
    if (typeof value === "string") {
      if (value === "") return;
      if (secret) found.add(value);
      else for (const part of urlSecrets(value)) found.add(part);
    } else if (Array.isArray(value)) {
      // Array items inherit the key: `token = ["a", "b"]` holds two secrets.
      for (const item of value) visit(item, secret);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, secret || isSecretKey(k));
    }
  };
  visit(data, false);
  return [...found].sort((a, b) => b.length - a.length);
}

/** Values of environment variables named like secrets (OPENAI_API_KEY, GITHUB_TOKEN, *_PASSWORD), for redaction. */
export function envSecrets(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v && isSecretKey(k))
    .map(([, v]) => v!);
}

/** The password and the credential query values of a URL; none for text that is not a URL. */
function urlSecrets(text: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return [];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (url.password) out.push(url.password, decodeURIComponent(url.password));
  for (const [name, value] of url.searchParams) if (value && isSecretParam(name)) out.push(value);
  return out.filter((s) => s !== "");
}
