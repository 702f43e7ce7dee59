import { z } from "zod";
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from "../providers/registry.ts";
import type { ProviderSettings } from "../providers/types.ts";
import { isLoopbackHost } from "../util/origin.ts";
import { parseHostPort } from "../util/listen.ts";

/** A key is secret when it is one of these or ends in "_" + one (sasl_password, oauth_token); everything under `headers` is too. */
export const SECRET_KEYS = ["api_key", "secret", "token", "password", "headers"] as const;

/** Adapter names the config may not use because a built-in channel owns them. */
export const RESERVED_ADAPTER_NAMES = ["cli"] as const;

/** Default listen address of the embedded webchat adapter. */
export const DEFAULT_WEBCHAT_LISTEN = "127.0.0.1:7420";

/** [agent]; the connection fields (base_url, model, api_key, timeout_ms) are what providers read. */
export interface AgentConfig extends ProviderSettings {
  /** A name from the provider registry; absent means "auto": the gateway picks (product.md, embedded default). */
  provider?: ProviderName;
  system_prompt?: string;
}

export interface GatewayConfig {
  shutdown_timeout_ms: number;
  first_start_timeout_ms: number;
  reload_debounce_ms: number;
  heartbeat_ms: number;
  watch_config: boolean;
}

export interface BosunConfig {
  agent: AgentConfig;
  gateway: GatewayConfig;
  installs: InstallsConfig;
  adapters: Record<string, AdapterConfig>;
}

// setTimeout fires at once for delays above 2^31-1 ms, so cap timeouts well below that.
const MAX_TIMEOUT_MS = 86_400_000;

function timeoutMs(defaultMs: number, description: string, min = 1) {
  return z
    .number()
    .int()
    .min(min, min > 1 ? { error: `must be at least ${min}` } : undefined)
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

/** Whether a listen address is reachable from this machine only. */
export function isLoopbackListen(listen: string): boolean {
  const hp = parseHostPort(listen);
  return hp !== undefined && isLoopbackHost(hp.host);
}

/** A one-line secret: a CR or LF would smuggle a second protocol command. */
const lineSecret = (description: string) =>
  z.string().regex(/^[^\r\n]*$/, { error: "must be one line (no line breaks)" }).describe(description);

const hostPortSchema = z.string().refine((s) => parseHostPort(s) !== undefined, {
  error: 'must be "host:port" with a port from 1 to 65535',
});

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
  })
  .describe("The LLM-backed agent that answers messages.");

/** [gateway]: process-wide timeouts. */
export const gatewaySchema = z
  .strictObject({
    shutdown_timeout_ms: timeoutMs(10_000, "How long shutdown waits for adapters and sessions, in milliseconds."),
    first_start_timeout_ms: timeoutMs(10_000, "How long start-up waits for each adapter's first start, in milliseconds."),
    reload_debounce_ms: timeoutMs(300, "Quiet period after an edit of bosun.toml before it is reloaded, in milliseconds."),
    heartbeat_ms: timeoutMs(30_000, "How often the running gateway marks run/gateway.json alive (its modification time), in milliseconds; status reports a crash's time from it.", 100),
    watch_config: z.boolean().default(true).describe("Reload bosun.toml when it changes."),
  })
  .describe("Gateway process settings.");

/**
 * Supervision timings every adapter accepts (semantics §1). Tests shorten them through config;
 * there is no other way to change them.
 */
function supervision(staleDefaultMs: number) {
  return {
    backoff_initial_ms: timeoutMs(1_000, "First retry delay after a failure, in milliseconds (doubles per failure, full jitter)."),
    backoff_max_ms: timeoutMs(60_000, "Cap of the retry delay, in milliseconds."),
    healthy_after_ms: timeoutMs(10_000, "A connection that stays up this long (or delivers an event) resets the backoff, in milliseconds."),
    failed_after: z.number().int().min(1).max(1_000_000).default(10).describe("Consecutive failures after which the state shows `failed` (retries go on)."),
    stale_after_ms: timeoutMs(staleDefaultMs, "No traffic for this long triggers a liveness probe; a failed probe restarts the adapter, in milliseconds."),
    stop_timeout_ms: timeoutMs(5_000, "How long a stop waits for the adapter to finish, in milliseconds."),
  };
}

const channelList = z
  .array(z.string().regex(/^[#&][^\s,\x07]{1,199}$/, { error: 'channel names start with "#" or "&" and contain no spaces or commas' }))
  .default([])
  .describe("Channels to join.");

const floodControl = (burst: number, intervalMs: number) => ({
  send_burst: z.number().int().min(1).max(1000).default(burst).describe("Outbound lines that may be sent at once (token bucket size)."),
  send_interval_ms: timeoutMs(intervalMs, "One more outbound line is allowed every this many milliseconds."),
});

/** [adapters.NAME] with kind = "webchat". */
export const webchatAdapterSchema = z
  .strictObject({
    kind: z.literal("webchat"),
    listen: listenSchema.default(DEFAULT_WEBCHAT_LISTEN),
    title: z.string().optional().describe("Page title of the chat."),
    access_token: z
      .string()
      .min(16, { error: "must be at least 16 characters" })
      .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces (it travels in a URL)" })
      .optional()
      .describe('Token the chat page must present (open it as http://HOST:PORT/#token=...); required when listening beyond loopback unless public = true. Usually "${BOSUN_WEBCHAT_TOKEN}".'),
    public: z.boolean().default(false).describe("Serve the chat beyond loopback without an access token: anyone who can reach it can use the agent."),
    allowed_origins: z
      .array(z.url({ protocol: /^https?$/, error: 'must be an origin such as "https://chat.example.com"' }))
      .default([])
      .describe("Other origins whose pages may open the chat's WebSocket (default: only the chat page itself)."),
    allowed_hosts: z
      .array(z.string().regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, { error: "must be a host name or address, without a port" }))
      .default([])
      .describe("Extra Host names the chat answers to (a LAN name, a reverse proxy's name); loopback names and the listen address always work."),
    ...supervision(300_000),
  })
  // An unparsable listen is reported by its own check; this one speaks only of a valid address.
  .refine((c) => c.public || c.access_token !== undefined || parseHostPort(c.listen) === undefined || isLoopbackListen(c.listen), {
    error: "a webchat listening beyond loopback needs an access_token (or public = true)",
    path: ["listen"],
    params: { hint: 'add access_token = "${BOSUN_WEBCHAT_TOKEN}" (open the chat as http://HOST:PORT/#token=...), or listen = "127.0.0.1:PORT"' },
  })
  .describe("Browser chat served over HTTP and WebSocket.");

/** [adapters.NAME] with kind = "webhook". */
export const webhookAdapterSchema = z
  .strictObject({
    kind: z.literal("webhook"),
    listen: listenSchema.default("127.0.0.1:7421"),
    secret: z.string().min(16, { error: "must be at least 16 characters" }).describe("HMAC-SHA256 key for X-Bosun-Signature."),
    max_body_bytes: z.number().int().min(64).max(64 * 1024 * 1024).default(1_048_576).describe("Largest accepted request body, in bytes."),
    reply_timeout_ms: timeoutMs(120_000, "How long a request waits for the agent's reply, in milliseconds."),
    body_timeout_ms: timeoutMs(30_000, "How long a request's whole body may take to arrive (a client trickling bytes is answered 408), in milliseconds."),
    ...supervision(300_000),
  })
  .describe("Authenticated HTTP endpoint: POST a message, get the reply.");

/** [adapters.NAME] with kind = "irc". */
export const ircAdapterSchema = z
  .strictObject({
    kind: z.literal("irc"),
    server: hostPortSchema.describe('IRC server, "host:port".'),
    tls: z.boolean().default(false).describe("Connect with TLS."),
    tls_verify: z.boolean().default(true).describe("Verify the server's TLS certificate."),
    nick: z.string().regex(/^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,29}$/, { error: "not a valid IRC nickname" }).describe("Nickname."),
    username: z.string().optional().describe("Username (ident); defaults to the nick."),
    realname: z.string().optional().describe("Real name field."),
    password: lineSecret("Server password (PASS).").optional(),
    sasl_username: z.string().regex(/^[^\r\n\0]+$/, { error: "must be one line" }).optional().describe("SASL PLAIN account name (needs sasl_password)."),
    sasl_password: lineSecret("SASL PLAIN password (needs sasl_username).").optional(),
    nickserv_password: lineSecret("Password sent to NickServ IDENTIFY after connecting.").optional(),
    channels: channelList,
    ping_interval_ms: timeoutMs(60_000, "How often bosun PINGs the server when it is quiet, in milliseconds."),
    ...floodControl(5, 500),
    ...supervision(180_000),
  })
  .refine((c) => (c.sasl_username === undefined) === (c.sasl_password === undefined), {
    error: "sasl_username and sasl_password go together",
    path: ["sasl_password"],
    params: { hint: "set both for SASL PLAIN, or neither" },
  })
  .describe("IRC network (plain or TLS, SASL PLAIN or NickServ).");

/** [adapters.NAME] with kind = "twitch". */
export const twitchAdapterSchema = z
  .strictObject({
    kind: z.literal("twitch"),
    server: hostPortSchema.default("irc.chat.twitch.tv:6697").describe('Twitch chat server, "host:port".'),
    tls: z.boolean().default(true).describe("Connect with TLS."),
    tls_verify: z.boolean().default(true).describe("Verify the server's TLS certificate."),
    username: z.string().regex(/^[A-Za-z0-9_]{1,25}$/, { error: "must be a Twitch login: 1-25 letters, digits or _" }).describe("The bot account's login name."),
    oauth_token: z.string().regex(/^\S+$/, { error: "must not be empty or contain spaces" }).describe('OAuth token ("oauth:..." or the bare token).'),
    channels: channelList,
    trigger_prefix: z.string().min(1).optional().describe('Only messages starting with this (e.g. "!bot") reach the agent; the prefix is stripped.'),
    ping_interval_ms: timeoutMs(60_000, "How often bosun PINGs the server when it is quiet, in milliseconds."),
    ...floodControl(20, 1_500),
    ...supervision(180_000),
  })
  .describe("Twitch chat (IRC with Twitch conventions).");

/** [adapters.NAME] with kind = "telegram". */
export const telegramAdapterSchema = z
  .strictObject({
    kind: z.literal("telegram"),
    token: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, { error: 'must look like "123456:ABC-DEF..." (from @BotFather)' }).describe("Bot token from @BotFather."),
    api_root: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
      .default("https://api.telegram.org")
      .describe("Bot API root (a self-hosted Bot API server, or a test server)."),
    poll_timeout_s: z.number().int().min(0).max(50).default(30).describe("getUpdates long-poll timeout, in seconds."),
    ...supervision(120_000),
  })
  .describe("Telegram bot over the Bot API (long polling).");

// Adding an adapter kind is one entry here; the union, the kind list and JSON Schema follow.
const adapterSchemas = [webchatAdapterSchema, webhookAdapterSchema, ircAdapterSchema, twitchAdapterSchema, telegramAdapterSchema] as const;

/** Any [adapters.NAME] table, selected by `kind`. */
export const adapterSchema = z.discriminatedUnion("kind", adapterSchemas);

/** Every adapter kind the config accepts. */
export type AdapterConfig = z.output<typeof adapterSchema>;
export type WebchatAdapterConfig = z.output<typeof webchatAdapterSchema>;
export type WebhookAdapterConfig = z.output<typeof webhookAdapterSchema>;
export type IrcAdapterConfig = z.output<typeof ircAdapterSchema>;
export type TwitchAdapterConfig = z.output<typeof twitchAdapterSchema>;
export type TelegramAdapterConfig = z.output<typeof telegramAdapterSchema>;
/** The supervision timings every adapter config carries. */
export type SupervisionConfig = Pick<WebchatAdapterConfig, "backoff_initial_ms" | "backoff_max_ms" | "healthy_after_ms" | "failed_after" | "stale_after_ms" | "stop_timeout_ms">;

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

/** The whole bosun.toml. */
export const configSchema = z.strictObject({
  // prefault (not default) so an absent table still gets its fields' defaults.
  agent: agentSchema.prefault({}),
  gateway: gatewaySchema.prefault({}),
  installs: installsSchema.prefault({}),
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
  Assert<Equals<z.output<typeof configSchema>, BosunConfig>>,
];
