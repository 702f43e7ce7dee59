import { Ajv, type ValidateFunction } from "ajv";

/**
 * Tool argument schemas: checked when a tool is listed (cheaply, against the JSON Schema meta-schema,
 * so "schema rejected" shows in `bosun integrations` before any call), compiled at a tool's first
 * call (compiling costs ~0.7 ms a schema: a thousand tools listed would cost most of a second).
 */

/** A schema bigger than this is refused: no tool needs it, and a hostile server could send megabytes. */
export const MAX_SCHEMA_CHARS = 100_000;

// strict: false: servers use keywords ajv does not know (title, examples, file_uploadable...);
// formats are not checked (ajv-formats is not loaded, and a model's date string should reach the tool).
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false, validateSchema: false });

/** Why a schema cannot be offered as a function's `parameters`, or null when it can. */
export function schemaProblem(schema: unknown): string | null {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return "its input schema is not a JSON object";
  const s = schema as Record<string, unknown>;
  if (s.type !== undefined && s.type !== "object") return `its input schema has type ${JSON.stringify(s.type)}; a tool's arguments must be an object`;
  let size: number;
  try {
    size = JSON.stringify(schema).length;
  } catch {
    return "its input schema cannot be written as JSON";
  }
  if (size > MAX_SCHEMA_CHARS) return `its input schema is ${size} characters (at most ${MAX_SCHEMA_CHARS})`;
  try {
    if (!ajv.validateSchema(withoutDialect(s))) return `its input schema is invalid: ${ajv.errorsText(ajv.errors, { dataVar: "schema" })}`.slice(0, 300);
  } catch (err) {
    return `its input schema is invalid: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
  }
  return null;
}

/** The `parameters` object a provider receives: the schema, with `type: "object"` when it left it out. */
export function parametersOf(schema: unknown): Record<string, unknown> {
  const s = schema as Record<string, unknown>;
  return s.type === undefined ? { type: "object", ...s } : s;
}

const compiled = new WeakMap<object, ValidateFunction | Error>();

/** Check arguments against a (listed, so meta-valid) schema: null when they fit, else what is wrong in one line. */
export function argumentProblem(schema: object, args: unknown): string | null {
  let v = compiled.get(schema);
  if (v === undefined) {
    const s = withoutDialect(schema as Record<string, unknown>);
    try {
      v = ajv.compile(s);
    } catch (err) {
      v = err instanceof Error ? err : new Error(String(err));
    } finally {
      // ajv keeps every schema it compiled, keyed by the object: a listing every minute would pile them up.
      ajv.removeSchema(s);
    }
    compiled.set(schema, v);
  }
  if (v instanceof Error) return `the tool's input schema could not be compiled (${v.message.slice(0, 200)}); the call was not made`;
  if (v(args)) return null;
  return `the arguments do not match the tool's input schema: ${ajv.errorsText(v.errors, { dataVar: "arguments" })}`.slice(0, 500);
}

/**
 * `$schema` names a dialect (MCP servers often send draft 2020-12); ajv's default instance knows
 * draft-07 and refuses other dialects by name, while the keywords tools use are the same.
 */
function withoutDialect(s: Record<string, unknown>): Record<string, unknown> {
  if (!("$schema" in s)) return s;
  const { $schema: _d, ...rest } = s;
  return rest;
}
