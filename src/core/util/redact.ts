/** What a hidden secret reads as. */
export const REDACTED = "[redacted]";

/**
 * Shorter literal values are not redacted: blanking every "a" or "on" in ordinary text would shred
 * output. Config secrets (an IRC password has no minimum) are hidden from this length on.
 */
export const MIN_SECRET_LENGTH = 4;

/**
 * Values of secret-named environment variables are hidden from this length on: the environment is
 * the user's whole shell, where a `*_TOKEN` or `*_KEY` may well hold "true" or "1234".
 */
export const MIN_ENV_SECRET_LENGTH = 6;

/** How the names of URL query parameters that carry credentials end: token, access_token, api_key, apiKey, sig, X-Amz-Signature... */
const SECRET_PARAM_END = "(?:token|key|secret|password|passwd|pwd|sig|signature|credential|auth)";
const SECRET_PARAM = new RegExp(`${SECRET_PARAM_END}$`, "i");

/** True for a URL query parameter name that carries a credential. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

// Credential shapes hidden even when the config does not hold them: a key from the environment,
// or one a remote server echoes back ("Incorrect API key provided: sk-...", "Bearer ...").
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // A digit (or length) is required so prose ("Bearer tokens expire", "sk-learn") stays readable.
  [/\bBearer\s+(?:(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}|[A-Za-z0-9._~+/=-]{20,})/g, `Bearer ${REDACTED}`],
  [/\b(?:sk|pk|rk)-(?:(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{8,}|[A-Za-z0-9_-]{16,})/g, REDACTED],
  // Telegram bot tokens: "123456789:AA...", and any token in a Bot API URL path (".../bot<token>/getMe").
  [/(?<=\bbot)\d+:[A-Za-z0-9_-]+/g, REDACTED],
  [/\b\d{6,12}:[A-Za-z0-9_-]{30,}/g, REDACTED],
  // userinfo passwords: scheme://user:PASSWORD@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#@]+@/gi, `$1:${REDACTED}@`],
  // ?token=..., &api_key=..., &X-Amz-Signature=...
  [new RegExp(`([?&;][A-Za-z0-9_.-]*?${SECRET_PARAM_END}=)[^&#\\s"'<>]+`, "gi"), `$1${REDACTED}`],
];

/** Hide credential-shaped text (bearer tokens, API keys, URL passwords and token parameters). */
export function redactPatterns(text: string): string {
  let out = text;
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

/**
 * The one redaction path of every output: literal secret values (from the config and the
 * environment) first, then credential shapes. Core only redacts; whoever prints calls it.
 */
export class Redactor {
  #given: string[] = [];
  #secrets: string[] = [];

  /** Replace the set of secret values (e.g. after a config reload). */
  set(secrets: Iterable<string>): void {
    this.#given = [...new Set(secrets)];
    const all = new Set<string>();
    for (const s of this.#given) {
      if (s.length < MIN_SECRET_LENGTH) continue;
      all.add(s);
      // The same secret as it appears inside a URL or a JSON string.
      all.add(encodeURIComponent(s));
      all.add(JSON.stringify(s).slice(1, -1));
    }
    // Longest first so a secret that contains another is hidden whole.
    this.#secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** Add secret values to the set. */
  add(secrets: Iterable<string>): void {
    this.set([...this.#given, ...secrets]);
  }

  /** Redact a string. */
  apply(text: string): string {
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return redactPatterns(out);
  }

  /** A copy of a JSON-like value with every string (keys included) redacted. */
  deep<T>(value: T): T {
    return this.#deep(value, 0) as T;
  }

  #deep(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.apply(value);
    if (value === null || typeof value !== "object") return value;
    // Deeper than any status document: hidden as text rather than walked further.
    if (depth > 64) return this.apply(JSON.stringify(value) ?? "");
    const json = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof json === "function") return this.#deep(json.call(value), depth + 1);
    if (Array.isArray(value)) return value.map((v) => this.#deep(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[this.apply(k)] = this.#deep(v, depth + 1);
    return out;
  }
}
