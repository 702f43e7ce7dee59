import { expect, test } from "bun:test";
import { argumentProblem, MAX_SCHEMA_CHARS, schemaProblem } from "../../src/core/integrations/validate.ts";

// Tool schemas come from servers bosun does not control; arguments from a model a tool result can steer.

test("a hostile pattern cannot stall the gateway, and a property named pattern is still checked", () => {
  const s = { type: "object", properties: { pattern: { type: "string" }, path: { type: "string", pattern: "^(a+)+$" } }, required: ["pattern", "path"] };
  const t0 = performance.now();
  expect(argumentProblem(s, { pattern: "x", path: `${"a".repeat(40)}!` })).toBeNull();
  expect(performance.now() - t0).toBeLessThan(200);
  expect(argumentProblem(s, { path: "x" })).toContain("required property 'pattern'");
});

test("a reference that does not resolve is rejected when listed, not at every call", () => {
  expect(schemaProblem({ type: "object", properties: { a: { $ref: "#/$defs/nope" } } })).toContain("could not be compiled");
  expect(schemaProblem({ type: "object", properties: { a: { $ref: "#/$defs/x" } }, $defs: { x: { type: "string" } } })).toBeNull();
});

test("one tool's nested $id does not break another tool whose schema has that id", () => {
  expect(argumentProblem({ type: "object", properties: { a: { $id: "http://h/inner1", type: "string" } } }, { a: "x" })).toBeNull();
  expect(argumentProblem({ $id: "http://h/inner1", type: "object", properties: { b: { type: "number" } } }, { b: "no" })).toContain("must be number");
});

test("schemas that are not objects, invalid, or too big are rejected with why; a draft 2020-12 one is fine", () => {
  expect(schemaProblem({ type: "array" })).toContain('type "array"');
  expect(schemaProblem({ type: "object", properties: { a: { type: "nope" } } })).toContain("invalid");
  expect(schemaProblem({ type: "object", description: "x".repeat(MAX_SCHEMA_CHARS) })).toContain("characters (at most");
  expect(schemaProblem({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: {} })).toBeNull();
});
