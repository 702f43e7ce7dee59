import type { z } from "zod";
import type { $ZodTypeDiscriminable } from "zod/v4/core";
import type { AdapterConfig, AdapterFactory } from "./types.ts";

/** A kind's config schema: a zod object whose `kind` is a literal, so the config's union can select it. */
export type AdapterConfigSchema<C extends AdapterConfig = AdapterConfig> = z.ZodType<C> & $ZodTypeDiscriminable;

/**
 * Where an adapter accepts connections, and what guards it. Config check refuses two adapters on
 * one port, and config check, doctor and up warn about a listener reachable beyond loopback.
 */
export interface AdapterListener {
  /** The address it binds, as written under the adapter's `listen` key (host:port). */
  listen: string;
  /** Who can use it once it is reachable from the network; ends the exposure warning. */
  guard: string;
  /** A warning of the kind's own that holds even on loopback (the webchat's extra Host names behind a proxy). */
  note?: string;
}

/** What `bosun doctor` says of one adapter: whether its credentials and platform answer as they must. */
export interface KindCheck {
  outcome: "ok" | "warn" | "fail";
  /** One line: "token accepted (bot @bosun), intents granted", "login refused: ...". */
  detail: string;
  hint?: string;
}

/** A kind's doctor check, bounded by `signal`; it talks to the platform once and never throws (a failure is a "fail" check). */
export type KindChecker<C> = (config: C, signal: AbortSignal) => Promise<KindCheck>;

/** What one kind's folder declares (its `kind.ts`); the config schema, the template and the registry are built from these. */
export interface AdapterKindDefinition<S extends AdapterConfigSchema> {
  /** The `kind = "..."` value; must equal the schema's `kind` literal. */
  kind: z.output<S>["kind"];
  /** Validates `[adapters.NAME]` tables of this kind; `.describe()` texts become the JSON Schema's. */
  configSchema: S;
  /** This kind's commented block in `bosun config init`'s bosun.toml (every line a comment, or valid with an empty environment). */
  template?: string;
  /** For a kind that accepts connections: where one adapter of it listens. Kinds that only dial out leave it unset. */
  listener?: (config: z.output<S>) => AdapterListener;
  /** The kind's protocol code, imported only when an adapter of this kind is configured. */
  load: () => Promise<AdapterFactory<z.output<S>>>;
  /** `bosun doctor`'s check of one adapter (token accepted, scopes, login), imported only when doctor runs. */
  check?: () => Promise<KindChecker<z.output<S>>>;
}

/** A kind as the registry holds it, whatever its config type. */
export interface AdapterKind {
  readonly kind: string;
  readonly configSchema: AdapterConfigSchema;
  readonly template?: string;
  /** Where an adapter of this kind listens; undefined for kinds that only dial out (or a config of another kind). */
  listenerOf(config: AdapterConfig): AdapterListener | undefined;
  /**
   * Load the kind's code and bind it to one adapter's config. The config passes this kind's
   * schema again on the way in, which is what types it for the factory (no cast anywhere);
   * a config of another kind is refused.
   */
  factoryFor(config: AdapterConfig): Promise<AdapterFactory>;
  /** `bosun doctor`'s check bound to one adapter's config; undefined when the kind has none (or the config is another kind's). */
  checkFor(config: AdapterConfig): Promise<((signal: AbortSignal) => Promise<KindCheck>) | undefined>;
}

/** A kind as its folder exports it: the registry's view plus its own config type. */
export interface TypedAdapterKind<C extends AdapterConfig> extends AdapterKind {
  /** `config` as this kind's (checked by this kind's schema), or undefined when it is another kind's. */
  configOf(config: AdapterConfig): C | undefined;
}

/** Declare an adapter kind (one per folder); register it with one line in registry.ts. */
export function defineAdapterKind<S extends AdapterConfigSchema>(def: AdapterKindDefinition<S>): TypedAdapterKind<z.output<S>> {
  const configOf = (config: AdapterConfig): z.output<S> | undefined => {
    if (config.kind !== def.kind) return undefined;
    const parsed = def.configSchema.safeParse(config);
    return parsed.success ? parsed.data : undefined;
  };
  return {
    kind: def.kind,
    configSchema: def.configSchema,
    template: def.template,
    configOf,
    listenerOf(config) {
      if (!def.listener) return undefined;
      const typed = configOf(config);
      return typed === undefined ? undefined : def.listener(typed);
    },
    async checkFor(config) {
      const typed = configOf(config);
      if (typed === undefined || !def.check) return undefined;
      const check = await def.check();
      return (signal) => check(typed, signal);
    },
    async factoryFor(config) {
      const typed = configOf(config);
      if (typed === undefined) throw new Error(`adapter kind "${def.kind}" cannot take this "${config.kind}" config`);
      const create = await def.load();
      return (ctx) => create({ ...ctx, config: typed });
    },
  };
}
