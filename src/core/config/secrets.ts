import { isSecretParam, MIN_ENV_SECRET_LENGTH } from "../util/redact.ts";
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

/**
 * An MCP server's `env` passes credentials under any name (`KEY = "${VALUE}"`), so a value there
 * that came from the environment is a secret whatever its key is called. Values written literally
 * (`ALLOWED_DIR = "/srv/shared"`) are not: hiding them would blank paths out of every tool result.
 * `raw` is the file before interpolation, `data` after.
 */
export function interpolatedEnvSecrets(raw: unknown, data: unknown): string[] {
  const servers = (x: unknown) => ((x as { integrations?: { mcp?: unknown } } | null)?.integrations?.mcp ?? {}) as Record<string, { env?: Record<string, unknown> } | undefined>;
  const before = servers(raw);
  const after = servers(data);
  const out: string[] = [];
  for (const [name, server] of Object.entries(before)) {
    if (!server || typeof server.env !== "object" || server.env === null) continue;
    for (const [key, value] of Object.entries(server.env)) {
      const now = after[name]?.env?.[key];
      if (typeof value === "string" && value.includes("${") && typeof now === "string" && now !== "") out.push(now);
    }
  }
  return out;
}

/**
 * Every value output must hide, and the one place that set is built (the CLI's printer and the
 * gateway, at start and on reload, both take it from here): the config's secrets, and the values of
 * secret-named environment variables, which the gateway uses too (OPENAI_API_KEY with no config).
 * Environment values shorter than MIN_ENV_SECRET_LENGTH are left out; the Redactor's own floor
 * (MIN_SECRET_LENGTH) applies to config values.
 */
export function secretValues(loaded: { secrets: readonly string[] } | null, env: Record<string, string | undefined>): string[] {
  const fromEnv = envSecrets(env).filter((v) => v.length >= MIN_ENV_SECRET_LENGTH);
  return [...new Set([...(loaded?.secrets ?? []), ...fromEnv])];
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
