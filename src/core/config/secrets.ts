import { SECRET_KEYS } from "./schema.ts";

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS);

/** Every non-empty string held under a SECRET_KEYS key anywhere in `data`, longest first so redaction replaces whole secrets before their substrings. */
export function collectSecrets(data: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key: string | undefined): void => {
    if (typeof value === "string") {
      if (key !== undefined && SECRET_KEY_SET.has(key) && value !== "") found.add(value);
    } else if (Array.isArray(value)) {
      // Array items inherit the key: `token = ["a", "b"]` holds two secrets.
      for (const item of value) visit(item, key);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(data, undefined);
  return [...found].sort((a, b) => b.length - a.length);
}
