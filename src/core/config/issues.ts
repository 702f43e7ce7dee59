import type { z } from "zod";
import { ConfigError } from "../errors.ts";
import { didYouMean } from "../util/suggest.ts";
import { formatKeyPath, valueAt, type KeyPath } from "./keypath.ts";
import { locateKey, type SourcePosition } from "./locate.ts";
import { allowedKeysAt } from "./shape.ts";

type Issue = z.core.$ZodIssue;

/** Everything needed to turn a schema issue into an error a user can act on. */
export interface IssueContext {
  schema: z.ZodType;
  /** The interpolated data that failed validation. */
  data: unknown;
  file: string;
  text: string;
}

interface Located {
  message: string;
  path: KeyPath;
  at: SourcePosition;
  hint?: string;
}

/** The ConfigError for the issue written earliest in the file, so fixes go top to bottom. */
export function firstIssueError(issues: readonly Issue[], ctx: IssueContext): ConfigError {
  const described = issues.map((issue) => describe(issue, ctx));
  const first = described.reduce((a, b) => (compare(b.at, a.at) < 0 ? b : a));
  const opts: { file: string; line: number; column: number; key?: string; hint?: string } = {
    file: ctx.file,
    line: first.at.line,
    column: first.at.column,
  };
  if (first.path.length > 0) opts.key = formatKeyPath(first.path);
  if (first.hint !== undefined) opts.hint = first.hint;
  return new ConfigError(first.message, opts);
}

// Messages name keys and what was expected, never the value: values may be secrets.
function describe(issue: Issue, ctx: IssueContext): Located {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  const key = formatKeyPath(path);
  const at = (p: KeyPath): SourcePosition => locateKey(ctx.text, p);
  const hintParam = (i: { params?: Record<string, unknown> }): string | undefined =>
    typeof i.params?.hint === "string" ? i.params.hint : undefined;

  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = allowedKeysAt(ctx.schema, path, ctx.data);
      const candidates = issue.keys.map((k) => ({ k, at: at([...path, k]) }));
      const { k: name, at: pos } = candidates.reduce((a, b) => (compare(b.at, a.at) < 0 ? b : a));
      const where = path.length === 0 ? "at the top level" : `in [${key}]`;
      const guess = didYouMean(name, allowed);
      const hint = guess ? `did you mean "${guess}"?` : allowed.length ? `allowed keys ${where}: ${allowed.join(", ")}` : undefined;
      return withHint({ message: `unknown key "${name}" ${where}`, path: [...path, name], at: pos }, hint);
    }
    case "invalid_type": {
      const received = valueAt(ctx.data, path);
      if (received === undefined) {
        const parent = path.slice(0, -1);
        const where = parent.length === 0 ? "at the top level" : `in [${formatKeyPath(parent)}]`;
        return { message: `missing required key "${String(path.at(-1))}" ${where}`, path, at: at(path) };
      }
      return { message: `${key}: expected ${expectedName(issue.expected)}, got ${tomlTypeName(received)}`, path, at: at(path) };
    }
    case "invalid_union": {
      // A discriminated union with no option for the tag reports the known tags in `options`.
      if (issue.discriminator && issue.inclusive !== false) {
        const known = (issue.options ?? []).map((o) => String(o));
        const tag = issue.discriminator;
        const table = path.at(-1) === tag ? path.slice(0, -1) : path;
        const tagPath = [...table, tag];
        const given = valueAt(ctx.data, tagPath);
        const list = known.map((k) => `"${k}"`).join(", ");
        if (given === undefined) {
          const message = `missing key "${tag}" in [${formatKeyPath(table)}]; known ${tag}s: ${list}`;
          return withHint({ message, path: tagPath, at: at(tagPath) }, `add ${tag} = "${known[0] ?? "..."}"`);
        }
        const guess = typeof given === "string" ? didYouMean(given, known) : undefined;
        return withHint(
          { message: `${formatKeyPath(tagPath)}: unknown ${tag}; known ${tag}s: ${list}`, path: tagPath, at: at(tagPath) },
          guess ? `did you mean "${guess}"?` : `e.g. ${tag} = "${known[0] ?? "..."}"`,
        );
      }
      return { message: `${key}: does not match any allowed form`, path, at: at(path) };
    }
    case "invalid_value":
      return { message: `${key}: expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`, path, at: at(path) };
    case "invalid_key": {
      const inner = issue.issues[0];
      const hint = inner && "params" in inner ? hintParam(inner) : undefined;
      return withHint({ message: `${key}: ${inner?.message ?? "invalid name"}`, path, at: at(path) }, hint);
    }
    case "too_small":
    case "too_big": {
      const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const bound = issue.code === "too_small" ? (issue.inclusive === false ? "more than" : "at least") : issue.inclusive === false ? "less than" : "at most";
      const custom = issue.message.startsWith("must ") ? issue.message : undefined;
      const unit = issue.origin === "string" ? " characters long" : issue.origin === "array" ? " items" : "";
      return { message: `${key}: ${custom ?? `must be ${bound} ${String(limit)}${unit}`}`, path, at: at(path) };
    }
    case "custom":
      return withHint({ message: `${key}: ${issue.message}`, path, at: at(path) }, hintParam(issue));
    default:
      return { message: `${key}: ${issue.message}`, path, at: at(path) };
  }
}

function withHint(located: Located, hint: string | undefined): Located {
  return hint === undefined ? located : { ...located, hint };
}

function compare(a: SourcePosition, b: SourcePosition): number {
  return a.line - b.line || a.column - b.column;
}

function expectedName(expected: string): string {
  const names: Record<string, string> = {
    string: "a string",
    number: "a number",
    int: "an integer",
    boolean: "true or false",
    object: "a table",
    record: "a table",
    array: "an array",
  };
  return names[expected] ?? expected;
}

function tomlTypeName(value: unknown): string {
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a float";
  if (typeof value === "boolean") return "a boolean";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date-time";
  if (value !== null && typeof value === "object") return "a table";
  return typeof value;
}
