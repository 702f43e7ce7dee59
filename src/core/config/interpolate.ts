import { ConfigError } from "../errors.ts";
import { formatKeyPath, type KeyPath } from "./keypath.ts";
import { locateKey } from "./locate.ts";

/** Where the data came from, so errors can point into the file. */
export interface InterpolationSource {
  file: string;
  text: string;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Copy `data` with `${VAR}` in every string replaced from `env` (`$${` is a literal `${`); throws ConfigError on a missing or malformed reference. */
export function interpolate<T>(data: T, env: Record<string, string | undefined>, source: InterpolationSource): T {
  return walk(data, [], env, source) as T;
}

function walk(value: unknown, path: (string | number)[], env: Record<string, string | undefined>, source: InterpolationSource): unknown {
  if (typeof value === "string") return substitute(value, path, env, source);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], env, source));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key], env, source);
    return out;
  }
  return value;
}

function substitute(text: string, path: KeyPath, env: Record<string, string | undefined>, source: InterpolationSource): string {
  if (!text.includes("${")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      out += "${";
      i += 3;
    } else if (text.startsWith("${", i)) {
      const end = text.indexOf("}", i + 2);
      const name = end < 0 ? "" : text.slice(i + 2, end);
      // The malformed text may be part of a secret, so the error names only the key.
      if (!VAR_NAME.test(name)) {
        throw fail(`${formatKeyPath(path)}: malformed \${...} reference`, path, source, 'write ${NAME} (letters, digits and "_"), or $${ for a literal "${"');
      }
      const replacement = env[name];
      if (replacement === undefined) {
        throw fail(
          `${formatKeyPath(path)} references \${${name}}, but ${name} is not set`,
          path,
          source,
          `export ${name}=... or remove the reference`,
        );
      }
      // Substituted text is not scanned again, so a value containing "${" stays as it is.
      out += replacement;
      i = end + 1;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

function fail(message: string, path: KeyPath, source: InterpolationSource, hint: string): ConfigError {
  const { line, column } = locateKey(source.text, path);
  return new ConfigError(message, { file: source.file, line, column, key: formatKeyPath(path), hint });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
