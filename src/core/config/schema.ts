import { z } from "zod";
import { parseHostPort } from "./listen.ts";

/** Keys whose values are secrets wherever they appear; collected for log redaction. */
export const SECRET_KEYS = ["api_key", "secret", "token", "oauth_token", "password"] as const;

/** Adapter names the config may not use because a built-in channel owns them. */
export const RESERVED_ADAPTER_NAMES = ["cli"] as const;

/** Default listen address of the embedded webchat adapter. */
export const DEFAULT_WEBCHAT_LISTEN = "127.0.0.1:7420";

export interface AgentConfig {
  /** Absent means "auto": the gateway picks (product.md, embedded default). */
  provider?: "echo" | "openai";
  base_url?: string;
  model?: string;
  api_key?: string;
  system_prompt?: string;
  timeout_ms: number;
}

export interface GatewayConfig {
  shutdown_timeout_ms: number;
  first_start_timeout_ms: number;
}

export interface WebchatAdapterConfig {
  kind: "webchat";
  /** "host:port"; see parseHostPort in listen.ts. */
  listen: string;
  title?: string;
}

export interface BosunConfig {
  agent: AgentConfig;
  gateway: GatewayConfig;
  adapters: Record<string, AdapterConfig>;
}

// setTimeout fires at once for delays above 2^31-1 ms, so cap timeouts well below that.
const MAX_TIMEOUT_MS = 86_400_000;

function timeoutMs(defaultMs: number, description: string) {
  return z
    .number()
    .int()
    .min(1)
    .max(MAX_TIMEOUT_MS, { error: `must be at most ${MAX_TIMEOUT_MS} (24 hours)` })
    .default(defaultMs)
    .describe(description);
}

const listenSchema = z
  .string()
  .refine((s) => parseHostPort(s) !== undefined, {
    error: 'must be "host:port" with a port from 1 to 65535 (IPv6 as "[::1]:7420")',
    params: { hint: `e.g. listen = "${DEFAULT_WEBCHAT_LISTEN}"` },
  })
  .describe('Address to listen on, "host:port" (IPv6 as "[::1]:port").');

/** [agent]: the model that answers. */
export const agentSchema = z
  .strictObject({
    provider: z
      .enum(["echo", "openai"])
      .optional()
      .describe('"echo" or "openai" (any OpenAI-compatible API); absent = chosen automatically.'),
    base_url: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL, e.g. http://127.0.0.1:11434/v1" })
      .optional()
      .describe("Base URL of the OpenAI-compatible API (Ollama, llama.cpp, vLLM, OpenRouter, OpenAI...)."),
    model: z.string().optional().describe("Model name."),
    api_key: z.string().optional().describe('API key; usually "${OPENAI_API_KEY}".'),
    system_prompt: z.string().optional().describe("System prompt for every conversation."),
    timeout_ms: timeoutMs(60_000, "Timeout of one model request, in milliseconds."),
  })
  .describe("The LLM-backed agent that answers messages.");

/** [gateway]: process-wide timeouts. */
export const gatewaySchema = z
  .strictObject({
    shutdown_timeout_ms: timeoutMs(10_000, "How long shutdown waits for adapters and sessions, in milliseconds."),
    first_start_timeout_ms: timeoutMs(10_000, "How long start-up waits for each adapter's first start, in milliseconds."),
  })
  .describe("Gateway process settings.");

/** [adapters.NAME] with kind = "webchat". */
export const webchatAdapterSchema = z
  .strictObject({
    kind: z.literal("webchat"),
    listen: listenSchema.default(DEFAULT_WEBCHAT_LISTEN),
    title: z.string().optional().describe("Page title of the chat."),
  })
  .describe("Browser chat served over HTTP and WebSocket.");

// Adding an adapter kind is one entry here; the union, the kind list and JSON Schema follow.
const adapterSchemas = [webchatAdapterSchema] as const;

/** Any [adapters.NAME] table, selected by `kind`. */
export const adapterSchema = z.discriminatedUnion("kind", adapterSchemas);

/** Every adapter kind the config accepts. */
export type AdapterConfig = z.output<typeof adapterSchema>;

/** Known adapter kinds, in declaration order. */
export const ADAPTER_KINDS: readonly string[] = adapterSchemas.map((s) => s.shape.kind.value);

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

/** The whole bosun.toml. */
export const configSchema = z.strictObject({
  // prefault (not default) so an absent table still gets its fields' defaults.
  agent: agentSchema.prefault({}),
  gateway: gatewaySchema.prefault({}),
  adapters: z
    .record(adapterNameSchema, adapterSchema)
    .prefault({})
    .describe('Chat channels; the table name is the adapter name ("cli" is reserved).'),
});

// Compile-time proof that the hand-written interfaces match what the schema produces.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type _SchemaMatchesInterfaces = [
  Assert<Equals<z.output<typeof agentSchema>, AgentConfig>>,
  Assert<Equals<z.output<typeof gatewaySchema>, GatewayConfig>>,
  Assert<Equals<z.output<typeof webchatAdapterSchema>, WebchatAdapterConfig>>,
  Assert<Equals<z.output<typeof configSchema>, BosunConfig>>,
];
