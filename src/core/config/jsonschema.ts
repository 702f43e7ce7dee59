import { z } from "zod";
import { configSchema } from "./schema.ts";

/** JSON Schema (draft 2020-12) of bosun.toml, for `bosun config schema` and editor completion. */
export function configJsonSchema(): object {
  // "input" describes what users write: keys with defaults are optional there.
  const { $schema, ...rest } = z.toJSONSchema(configSchema(), { target: "draft-2020-12", io: "input", unrepresentable: "any" });
  return {
    $schema,
    $id: "bosun.toml",
    title: "bosun.toml",
    description: "Configuration of the bosun gateway. ${VAR} in any string is replaced by the environment variable VAR.",
    ...rest,
  };
}
