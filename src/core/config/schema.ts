import { z } from "zod";
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from "../providers/registry.ts";
import type { ProviderSettings } from "../providers/types.ts";
import type { FallbackSettings } from "../providers/chain.ts";
import { adapterConfigSchema, type AdapterUnionSchema } from "../adapters/registry.ts";
import type { AdapterConfig } from "../adapters/types.ts";
import { timeoutMs } from "./fields.ts";
import { ERROR_TYPES, type ErrorType } from "../providers/errors.ts";
import { integrationsSchema, type IntegrationsConfig } from "./integrations-schema.ts";
import { voiceSchema, type VoiceConfig } from "./voice-schema.ts";

/**
 * A key is secret when it is one of these or ends in "_" + one (sasl_password, oauth_token);
 * everything under `headers` is too. (An MCP server's `env` values are secret when named so or
 * read from the environment: see interpolatedEnvSecrets.)
 */
export const SECRET_KEYS = ["api_key", "secret", "token", "password", "headers"] as const;

/** Adapter names the config may not use because a built-in channel owns them. */
export const RESERVED_ADAPTER_NAMES = ["cli"] as const;

/** [agent]; the connection fields (base_url, model, api_key, timeout_ms) are what providers read. */
export interface AgentConfig extends ProviderSettings {
  /** A name from the provider registry; absent means "auto": the gateway picks (product.md, embedded default). */
  provider?: ProviderName;
  system_prompt?: string;
  /** Provider calls in flight at once, across all sessions. */
  max_concurrent_turns: number;
  /** History budget of one prompt, in (estimated) tokens; older turns stay in the store. */
  context_tokens: number;
  /** Messages of one session that may wait behind its running turn; past it they get a short refusal. */
  max_waiting_per_session: number;
  /** Longest answer kept of one turn, in characters; the model is stopped there. */
  max_reply_chars: number;
  /** Tool calls one turn may make before the agent must answer. */
  max_tool_steps: number;
  /** OpenAI-compatible backends tried in order after the primary's retries failed. */
  fallback: FallbackConfig[];
}

/** One `[[agent.fallback]]` entry. */
export interface FallbackConfig extends FallbackSettings {
  base_url: string;
  model: string;
  api_key?: string;
  /** The error types that move on to this entry; absent = rate limits, outages, timeouts and network errors. */
  on?: ErrorType[];
}

export interface GatewayConfig {
  shutdown_timeout_ms: number;
  first_start_timeout_ms: number;
  reload_debounce_ms: number;
  heartbeat_ms: number;
  watch_config: boolean;
  outbox_retry_ms: number;
  outbox_max_attempts: number;
  outbox_max_age_ms: number;
}

export interface BosunConfig {
  agent: AgentConfig;
  gateway: GatewayConfig;
  installs: InstallsConfig;
  adapters: Record<string, AdapterConfig>;
  integrations: IntegrationsConfig;
  voice: VoiceConfig;
}

/** One [[agent.fallback]] entry. */
export const fallbackSchema = z
  .strictObject({
    base_url: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL, e.g. https://openrouter.ai/api/v1" }).describe("Base URL of the OpenAI-compatible API."),
    model: z.string().min(1).describe("Model name."),
    api_key: z.string().optional().describe("API key."),
    on: z
      .array(z.enum(ERROR_TYPES))
      .optional()
      .describe('Error types that move on to this entry; default ["rate_limited", "provider_unavailable", "timeout", "network"].'),
  })
  .describe("A backend tried when the ones before it failed.");

/** [agent]: the model that answers. */
export const agentSchema = z
  .strictObject({
    provider: z
      .enum(PROVIDER_NAMES)
      .optional()
      .describe(`${PROVIDER_NAMES.map((n) => `"${n}" (${PROVIDERS[n].description})`).join(" or ")}; absent = chosen automatically.`),
    base_url: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL, e.g. http://127.0.0.1:11434/v1" })
      .optional()
      .describe("Base URL of the OpenAI-compatible API (Ollama, llama.cpp, vLLM, OpenRouter, OpenAI...)."),
    model: z.string().optional().describe("Model name."),
    api_key: z.string().optional().describe('API key; usually "${OPENAI_API_KEY}".'),
    system_prompt: z.string().optional().describe("System prompt for every conversation."),
    timeout_ms: timeoutMs(60_000, "Timeout of one model request, in milliseconds."),
    max_concurrent_turns: z.number().int().min(1).max(1024).default(8).describe("Provider calls in flight at once, across all sessions."),
    context_tokens: z
      .number()
      .int()
      .min(256)
      .max(10_000_000)
      .default(8000)
      .describe("History budget of one prompt, in estimated tokens (about 4 characters each); older turns stay in the store."),
    max_waiting_per_session: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(20)
      .describe("Messages of one conversation that may wait behind its running turn; more get a short reply saying so."),
    max_reply_chars: z
      .number()
      .int()
      .min(100)
      .max(1_000_000)
      .default(16_000)
      .describe("Longest answer of one turn, in characters: the model is stopped there and the answer says it was cut (a runaway or endless stream cannot fill memory, the store or a chat page)."),
    max_tool_steps: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .describe("Tool calls one turn may make; past it the model is asked to answer without tools, and the answer says the limit was hit."),
    fallback: z.array(fallbackSchema).default([]).describe("[[agent.fallback]]: OpenAI-compatible backends tried in order after the primary's retries."),
  })
  .describe("The LLM-backed agent that answers messages.");

/** [gateway]: process-wide timeouts. */
export const gatewaySchema = z
  .strictObject({
    shutdown_timeout_ms: timeoutMs(10_000, "How long shutdown lets running turns finish (their replies are delivered) before it cancels them, in milliseconds; cancelled ones are answered at the next start."),
    first_start_timeout_ms: timeoutMs(10_000, "How long start-up waits for each adapter's first start, in milliseconds."),
    reload_debounce_ms: timeoutMs(300, "Quiet period after an edit of bosun.toml before it is reloaded, in milliseconds."),
    heartbeat_ms: timeoutMs(30_000, "How often the running gateway marks run/gateway.json alive (its modification time), in milliseconds; status reports a crash's time from it.", 100),
    watch_config: z.boolean().default(true).describe("Reload bosun.toml when it changes."),
    outbox_retry_ms: timeoutMs(1_000, "First wait before a failed reply delivery is tried again, in milliseconds (doubles each time, at most 5 minutes)."),
    outbox_max_attempts: z.number().int().min(1).max(1000).default(10).describe("Failed delivery attempts after which a reply is marked dead."),
    outbox_max_age_ms: timeoutMs(86_400_000, "A reply still undelivered this long after it was made is marked dead, in milliseconds."),
  })
  .describe("Gateway process settings.");

/** What an adapter name (the table key) may look like. */
export const ADAPTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const adapterNameSchema = z
  .string()
  .regex(ADAPTER_NAME_PATTERN, {
    error: 'adapter names start with a letter or digit and use only letters, digits, "_" and "-" (at most 64 characters)',
  })
  .refine((name) => !(RESERVED_ADAPTER_NAMES as readonly string[]).includes(name), {
    error: "this adapter name is reserved for the built-in terminal channel",
    params: { hint: "rename the table, e.g. [adapters.terminal]" },
  })
  .meta({ not: { enum: [...RESERVED_ADAPTER_NAMES] } });

/** `engine:id` install targets. */
export const INSTALL_TARGET_PATTERN = /^(whisper|piper):[\p{L}\p{N}][\p{L}\p{N}._-]{0,127}$/u;
const targetSchema = z.string().regex(INSTALL_TARGET_PATTERN, { error: 'must be "whisper:ID" or "piper:ID", e.g. "whisper:base.en"' });
const hexOf = (len: number, name: string) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${len}}$`), { error: `must be ${len} hex characters (${name})` });

/** One `[[installs.custom]]` entry: a private or fine-tuned model. */
export const customInstallSchema = z
  .strictObject({
    target: targetSchema.describe('Target name, e.g. "whisper:my-model".'),
    url: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).describe("Where to download it."),
    size: z.number().int().min(1).describe("Exact size in bytes."),
    sha256: hexOf(64, "SHA-256").optional(),
    sha1: hexOf(40, "SHA-1").optional(),
    md5: hexOf(32, "MD5").optional(),
  })
  .refine((c) => [c.sha256, c.sha1, c.md5].filter((x) => x !== undefined).length === 1, {
    error: "give exactly one checksum: sha256, sha1 or md5",
    path: ["sha256"],
  })
  .describe("A model or voice not in the built-in catalogue.");

/** [installs]: local voice models. */
export const installsSchema = z
  .strictObject({
    want: z.array(targetSchema).default([]).describe("Targets installed at gateway start when missing."),
    mirror: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
      .default("https://huggingface.co")
      .describe("Base URL of the model host (BOSUN_MODEL_MIRROR overrides it)."),
    connect_timeout_ms: timeoutMs(15_000, "No response within this many milliseconds fails a download attempt."),
    idle_timeout_ms: timeoutMs(45_000, "No data for this many milliseconds fails a download attempt (resumable)."),
    custom: z.array(customInstallSchema).default([]).describe("Extra install targets: [[installs.custom]]."),
  })
  .describe("Local voice models (Whisper speech-to-text, Piper text-to-speech).");

export type InstallsConfig = z.output<typeof installsSchema>;
export type CustomInstallConfig = z.output<typeof customInstallSchema>;

/** The whole bosun.toml over the given adapter union. */
function buildConfigSchema(adapters: AdapterUnionSchema) {
  return z.strictObject({
    // prefault (not default) so an absent table still gets its fields' defaults.
    agent: agentSchema.prefault({}),
    gateway: gatewaySchema.prefault({}),
    installs: installsSchema.prefault({}),
    adapters: z
      .record(adapterNameSchema, adapters)
      .prefault({})
      .describe('Chat channels; the table name is the adapter name ("cli" is reserved).'),
    integrations: integrationsSchema.prefault({}),
    voice: voiceSchema.prefault({}),
  });
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;
let built: { for: AdapterUnionSchema; schema: ConfigSchema } | null = null;

/** The whole bosun.toml, over every registered adapter kind (built again only after a kind is registered). */
export function configSchema(): ConfigSchema {
  const adapters = adapterConfigSchema();
  if (built === null || built.for !== adapters) built = { for: adapters, schema: buildConfigSchema(adapters) };
  return built.schema;
}

// Compile-time proof that the hand-written interfaces match what the schema produces.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type _SchemaMatchesInterfaces = [
  Assert<Equals<z.output<typeof agentSchema>, AgentConfig>>,
  Assert<Equals<z.output<typeof gatewaySchema>, GatewayConfig>>,
  Assert<Equals<z.output<ConfigSchema>, BosunConfig>>,
];
