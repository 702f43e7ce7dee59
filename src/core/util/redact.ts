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
const SECRET_PARAM_END = "(?:token|key|secret|password|passwd|pwd|sig|signature|credential|auth|ticket)";
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
 * Secrets shorter than this are only hidden as whole words: a 5-character IRC password "chat"
 * must not turn "webchat" into "web[redacted]". Longer ones are hidden wherever they appear.
 */
const WHOLE_WORD_BELOW = 12;

/**
 * Status fields whose values come from bosun's own fixed vocabularies (states, kinds, levels),
 * never from a secret: redacting them (a password that happens to be "running") would only
 * break the document's meaning for scripts and the dashboard.
 */
const VOCABULARY_KEYS: ReadonlySet<string> = new Set(["state", "kind", "level", "stage", "type", "code"]);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The one redaction path of every output: literal secret values (from the config and the
 * environment) first, then credential shapes. Core only redacts; whoever prints calls it.
 */
export class Redactor {
  #given: string[] = [];
  #secrets: string[] = [];
  #shortWords: RegExp | null = null;

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
    const sorted = [...all].sort((a, b) => b.length - a.length);
    this.#secrets = sorted.filter((x) => x.length >= WHOLE_WORD_BELOW);
    const short = sorted.filter((x) => x.length < WHOLE_WORD_BELOW);
    this.#shortWords = short.length ? new RegExp(`(?<![A-Za-z0-9_])(?:${short.map(escapeRegExp).join("|")})(?![A-Za-z0-9_])`, "g") : null;
  }

  /** Length of the longest literal secret hidden (a stream holds back this much of its tail). */
  get longest(): number {
    return this.#secrets[0]?.length ?? 0;
  }

  /** Add secret values to the set. */
  add(secrets: Iterable<string>): void {
    this.set([...this.#given, ...secrets]);
  }

  /** Redact a string. */
  apply(text: string): string {
    const out = this.#long(text);
    return redactPatterns(this.#shortWords ? out.replace(this.#shortWords, REDACTED) : out);
  }

  #long(text: string): string {
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /**
   * A copy of a JSON-like value with every string value redacted. Keys are bosun's field names
   * and adapter names: only long secrets and credential shapes are hidden there, never a short
   * word that would change the document's shape; the values of VOCABULARY_KEYS are left alone.
   */
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
    for (const [k, v] of Object.entries(value)) {
      out[redactPatterns(this.#long(k))] = VOCABULARY_KEYS.has(k) && typeof v === "string" ? v : this.#deep(v, depth + 1);
    }
    return out;
  }
}
