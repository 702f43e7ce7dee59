import { z } from "zod";
import { email } from "./email/kind.ts";
import { discord } from "./discord/kind.ts";
import { irc } from "./irc/kind.ts";
import type { AdapterConfigSchema, AdapterKind } from "./kind.ts";
import { slack } from "./slack/kind.ts";
import { telegram } from "./telegram/kind.ts";
import { twitch } from "./twitch/kind.ts";
import { webchat } from "./webchat/kind.ts";
import { webhook } from "./webhook/kind.ts";

/**
 * Every built-in adapter kind, in the order the template and the docs list them. The config's
 * schema, its JSON Schema, `config init`'s template and the gateway's factories all come from
 * this list: a new kind is its folder (with a kind.ts) plus one entry here. Each kind.ts loads
 * nothing but its schema; protocol code is imported only when an adapter of that kind starts.
 */
export const ADAPTER_KINDS: readonly AdapterKind[] = [webchat, webhook, irc, twitch, telegram, slack, email, discord];

let kinds: readonly AdapterKind[] = ADAPTER_KINDS;
/** The schema of one `[adapters.NAME]` table: every registered kind's, selected by `kind`. */
export type AdapterUnionSchema = z.ZodDiscriminatedUnion<[AdapterConfigSchema, ...AdapterConfigSchema[]], "kind">;
let union: { for: readonly AdapterKind[]; schema: AdapterUnionSchema } | null = null;

/**
 * Add a kind that lives outside this list (a test's throwaway kind, a private channel in a fork).
 * Everything built from the registry (config schema, JSON Schema, the gateway's factories) sees
 * it from then on. A kind name can be registered once; the returned function removes it again.
 */
export function registerAdapterKind(def: AdapterKind): () => void {
  if (kinds.some((k) => k.kind === def.kind)) throw new Error(`adapter kind "${def.kind}" is already registered`);
  kinds = [...kinds, def];
  return () => {
    kinds = kinds.filter((k) => k !== def);
  };
}

/** Every registered kind: the built-in ones, then any registered since. */
export function adapterKinds(): readonly AdapterKind[] {
  return kinds;
}

/** The kind named `kind`, if registered. */
export function findAdapterKind(kind: string): AdapterKind | undefined {
  return kinds.find((k) => k.kind === kind);
}

/** Any `[adapters.NAME]` table, selected by `kind`, over every registered kind. */
export function adapterConfigSchema(): AdapterUnionSchema {
  if (union === null || union.for !== kinds) {
    const [first, ...rest] = kinds.map((k) => k.configSchema);
    if (!first) throw new Error("no adapter kind is registered");
    union = { for: kinds, schema: z.discriminatedUnion("kind", [first, ...rest]) };
  }
  return union.schema;
}
