import type { z } from "zod";
import { valueAt, type KeyPath } from "./keypath.ts";

// The slice of zod's internal definition this walker reads; zod v4 keeps these names stable.
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "nonoptional", "catch"]);

/** Keys the table at `path` may hold (resolving discriminated unions from `data`); empty when `path` is not a table. */
export function allowedKeysAt(schema: z.ZodType, path: KeyPath, data: unknown): string[] {
  let current: z.ZodType | undefined = schema;
  for (let depth = 0; depth <= path.length && current; depth++) {
    const def = defOf(resolve(current, valueAt(data, path.slice(0, depth))));
    if (depth === path.length) return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
    const seg = path[depth]!;
    if (def.type === "object") current = def.shape?.[String(seg)];
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "array") current = def.element;
    else current = undefined;
  }
  return [];
}

/** Strip wrappers and pick the union member that `value` selects. */
function resolve(schema: z.ZodType, value: unknown): z.ZodType {
  let s = unwrap(schema);
  const def = defOf(s);
  if (def.type === "union" && def.options) {
    const tag = def.discriminator;
    const chosen =
      tag !== undefined && value !== null && typeof value === "object"
        ? def.options.find((option) => literalValues(option, tag).includes((value as Record<string, unknown>)[tag]))
        : undefined;
    s = unwrap(chosen ?? def.options[0] ?? s);
  }
  return s;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let def = defOf(s); ; def = defOf(s)) {
    if (WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}

function literalValues(option: z.ZodType, key: string): unknown[] {
  const field = defOf(unwrap(option)).shape?.[key];
  return field ? (defOf(unwrap(field)).values ?? []) : [];
}

function defOf(schema: z.ZodType): SchemaDef {
  return schema._zod.def as unknown as SchemaDef;
}
