import * as core from "zod/v4/core";
import { valueAt, type KeyPath } from "./keypath.ts";

/** Keys the table at `path` may hold (resolving discriminated unions from `data`); empty when `path` is not a table. */
export function allowedKeysAt(schema: core.$ZodType, path: KeyPath, data: unknown): string[] {
  let current: core.$ZodType | undefined = schema;
  for (let depth = 0; depth <= path.length && current; depth++) {
    const s = resolve(current, valueAt(data, path.slice(0, depth)));
    if (depth === path.length) return s instanceof core.$ZodObject ? Object.keys(s._zod.def.shape) : [];
    const seg = path[depth]!;
    if (s instanceof core.$ZodObject) current = s._zod.def.shape[String(seg)];
    else if (s instanceof core.$ZodRecord) current = s._zod.def.valueType;
    else if (s instanceof core.$ZodArray) current = s._zod.def.element;
    else current = undefined;
  }
  return [];
}

/** Strip wrappers and pick the union member that `value` selects. */
function resolve(schema: core.$ZodType, value: unknown): core.$ZodType {
  const s = unwrap(schema);
  if (!(s instanceof core.$ZodUnion)) return s;
  const options: readonly core.$ZodType[] = s._zod.def.options;
  const tag = s instanceof core.$ZodDiscriminatedUnion ? s._zod.def.discriminator : undefined;
  const chosen =
    tag !== undefined && value !== null && typeof value === "object"
      ? options.find((option) => literalValues(option, tag).includes((value as Record<string, unknown>)[tag]))
      : undefined;
  return unwrap(chosen ?? options[0] ?? s);
}

/** The schema inside optional/default/prefault/readonly/catch wrappers and before a pipe's transform. */
function unwrap(schema: core.$ZodType): core.$ZodType {
  let s = schema;
  for (;;) {
    if (
      s instanceof core.$ZodOptional ||
      s instanceof core.$ZodNullable ||
      s instanceof core.$ZodDefault ||
      s instanceof core.$ZodPrefault ||
      s instanceof core.$ZodReadonly ||
      s instanceof core.$ZodNonOptional ||
      s instanceof core.$ZodCatch
    )
      s = s._zod.def.innerType;
    else if (s instanceof core.$ZodPipe) s = s._zod.def.in;
    else return s;
  }
}

function literalValues(option: core.$ZodType, key: string): unknown[] {
  const o = unwrap(option);
  const field = o instanceof core.$ZodObject ? o._zod.def.shape[key] : undefined;
  const lit = field ? unwrap(field) : undefined;
  return lit instanceof core.$ZodLiteral ? [...lit._zod.def.values] : [];
}
