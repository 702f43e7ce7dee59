/**
 * The provider contract: what every model backend (and the echo stand-in) offers the agent.
 * Shapes follow OpenAI's chat completions (messages, tools, tool calls), the lingua franca of
 * OpenAI-compatible servers, so a provider for that API passes them through unchanged.
 */

/** A tool call the model asked for; `arguments` is the model's JSON text, possibly invalid. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** One turn of chat history. */
export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: ToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  type: "function";
  function: {
    /** `[a-zA-Z0-9_-]`, at most 64 characters (OpenAI's rule). */
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export interface ProviderRequest {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** Ask the backend for incremental deltas. Without it the answer comes whole (as deltas too). */
  stream?: boolean;
}

/** Why the model stopped; anything a backend adds beyond OpenAI's set is "other". */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "other";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * One piece of a reply. Tool calls arrive in fragments keyed by `index`: the first fragment of a
 * call carries its `id` and `name`, later ones only more `arguments` text to append.
 */
export type ProviderDelta =
  | { type: "text"; text: string }
  | { type: "tool_call"; index: number; id?: string; name?: string; arguments: string }
  | { type: "usage"; usage: Usage }
  | { type: "finish"; reason: FinishReason };

/** An LLM backend (or the echo stand-in): history (and tools) in, reply deltas out. */
export interface Provider {
  /** The registry name it was created under: "echo", "openai". */
  readonly name: string;
  /** Short name shown in status: "echo", "openai (llama3.2 @ http://…)". */
  readonly label: string;
  /** The model it asks ("llama3.2"; the echo stand-in: "echo"), recorded with each reply it gives. */
  readonly model?: string;
  /** The reply to the conversation so far, piece by piece. Fails with a ProviderError. */
  stream(request: ProviderRequest, signal: AbortSignal): AsyncIterable<ProviderDelta>;
  /** The reply's text, whole (`stream` collected; see defineProvider). */
  complete(messages: ChatMessage[], signal: AbortSignal): Promise<string>;
}

/**
 * The [agent] settings a provider reads. config/schema.ts validates them (its AgentConfig
 * extends this); providers take them from here so they never import the config layer.
 */
export interface ProviderSettings {
  base_url?: string;
  model?: string;
  api_key?: string;
  timeout_ms: number;
}

/** What a provider is created from (registry.ts's `create`). */
export interface ProviderContext {
  settings: ProviderSettings;
  env: Record<string, string | undefined>;
  /** The gateway's redactor: hides secrets a backend quotes back in its error texts. */
  redact?: (text: string) => string;
}

/** A provider failure with the facts the error classifier needs (HTTP status, provider code, headers). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly providerCode: string | null,
    readonly headers: Headers | null = null,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}
