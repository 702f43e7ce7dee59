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
const OPTIONS = { strict: false, validateFormats: false, allErrors: false, validateSchema: false, addUsedSchema: false } as const;
/** Checks schemas against the meta-schema only; it never keeps a tool's schema. */
const meta = new Ajv(OPTIONS);
/**
 * Each tool's schema is compiled by an Ajv of its own (~0.4 ms): a shared one keeps every nested
 * `$id` it saw, so one server's schema could make another's fail ("already exists") and a server
 * changing ids at each listing would grow it without end.
 */
const compiler = () => new Ajv(OPTIONS);

/** Why a schema cannot be offered as a function's `parameters`, or null when it can. */
export function schemaProblem(schema: unknown): string | null {
  // The hub replaces a schema too big to keep with the sentence saying so.
  if (typeof schema === "string") return schema;
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return "its input schema is not a JSON object";
  const s = schema as Record<string, unknown>;
  if (s.type !== undefined && s.type !== "object") return `its input schema has type ${JSON.stringify(s.type)}; a tool's arguments must be an object`;
  let json: string;
  try {
    json = JSON.stringify(schema);
  } catch {
    return "its input schema cannot be written as JSON";
  }
  if (json.length > MAX_SCHEMA_CHARS) return oversize(json.length);
  try {
    if (!meta.validateSchema(withoutDialect(s))) return `its input schema is invalid: ${meta.errorsText(meta.errors, { dataVar: "schema" })}`.slice(0, 300);
  } catch (err) {
    return `its input schema is invalid: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
  }
  // A reference that does not resolve only fails at compile time: find it now, not at every call.
  if (json.includes('"$ref"')) {
    const v = compiled1(schema);
    if (v instanceof Error) return `its input schema could not be compiled: ${v.message}`.slice(0, 300);
  }
  return null;
}

/** The note for a schema over MAX_SCHEMA_CHARS (also what the hub keeps in its place). */
export function oversize(chars: number): string {
  return `its input schema is ${chars} characters (at most ${MAX_SCHEMA_CHARS})`;
}

/** The `parameters` object a provider receives: the schema, with `type: "object"` when it left it out. */
export function parametersOf(schema: unknown): Record<string, unknown> {
  const s = schema as Record<string, unknown>;
  if (s.type !== undefined) return s;
  // The same object for the same schema: compiled validators are kept per object, and the offer is rebuilt often.
  let p = withType.get(s);
  if (!p) withType.set(s, (p = { type: "object", ...s }));
  return p;
}
const withType = new WeakMap<object, Record<string, unknown>>();

const compiled = new WeakMap<object, ValidateFunction | Error>();

/** Check arguments against a (listed, so meta-valid) schema: null when they fit, else what is wrong in one line. */
export function argumentProblem(schema: object, args: unknown): string | null {
  const v = compiled1(schema);
  if (v instanceof Error) return `the tool's input schema could not be compiled (${v.message.slice(0, 200)}); the call was not made`;
  if (v(args)) return null;
  return `the arguments do not match the tool's input schema: ${meta.errorsText(v.errors, { dataVar: "arguments" })}`.slice(0, 500);
}

/** The schema's validator (or why it has none), compiled once per schema object. */
function compiled1(schema: object): ValidateFunction | Error {
  let v = compiled.get(schema);
  if (v === undefined) {
    try {
      v = compiler().compile(forChecking(withoutDialect(schema as Record<string, unknown>)) as object);
    } catch (err) {
      v = err instanceof Error ? err : new Error(String(err));
    }
    compiled.set(schema, v);
  }
  return v;
}

/** Deepest schema nesting that is checked; deeper parts are accepted as they are. */
const MAX_DEPTH = 32;

/**
 * The schema as arguments are checked against it: without `pattern` and `patternProperties` (a
 * hostile server's `^(a+)+$` would stall the gateway on a 40-character argument; the tool checks
 * its own input) and `format`, nested no deeper than MAX_DEPTH. A copy: the model gets the original.
 */
function forChecking(node: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(node)) return node.map((n) => forChecking(n, depth + 1));
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  const o = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === "pattern" || k === "format" || k === "patternProperties") continue;
    // Without its patternProperties, additionalProperties: false would refuse the keys they allowed.
    if (k === "additionalProperties" && v === false && o.patternProperties !== undefined) continue;
    if (NAMED.has(k) && v !== null && typeof v === "object" && !Array.isArray(v)) {
      // Property (or definition) names, each naming a schema: a property called "pattern" stays.
      const named: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(v as Record<string, unknown>)) named[name] = forChecking(sub, depth + 1);
      out[k] = named;
    } else out[k] = forChecking(v, depth + 1);
  }
  return out;
}

/** Keywords whose value maps names to schemas. */
const NAMED = new Set(["properties", "$defs", "definitions", "dependentSchemas"]);

/**
 * `$schema` names a dialect (MCP servers often send draft 2020-12); ajv's default instance knows
 * draft-07 and refuses other dialects by name, while the keywords tools use are the same.
 */
function withoutDialect(s: Record<string, unknown>): Record<string, unknown> {
  if (!("$schema" in s)) return s;
  const { $schema: _d, ...rest } = s;
  return rest;
}
