import { z } from "zod";
import { timeoutMs } from "./fields.ts";

// [integrations]: where the agent's tools come from (product.md, semantics §6).

/** What an MCP server's table name may look like ("composio" names the Composio source). */
export const MCP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Tool name patterns: `*` matches any run of characters, nothing else is special. */
const patternsSchema = (what: string) =>
  z
    .array(z.string().min(1).max(200))
    .optional()
    .describe(what);

const filters = {
  allow: patternsSchema('Only tools whose source name matches one of these patterns are offered ("*" matches anything), e.g. ["read_*"].'),
  deny: patternsSchema('Tools whose source name matches one of these patterns are not offered, e.g. ["write_file"]; deny wins over allow.'),
  call_timeout_ms: timeoutMs(60_000, "How long one tool call may take before it comes back to the model as a timeout, in milliseconds."),
};

/** Supervision of an MCP server (semantics §1, as for adapters). */
const supervision = {
  backoff_initial_ms: timeoutMs(1_000, "First restart delay after the server exited or could not start, in milliseconds (doubles per failure, full jitter)."),
  backoff_max_ms: timeoutMs(60_000, "Cap of the restart delay, in milliseconds."),
  healthy_after_ms: timeoutMs(10_000, "A server that stays up this long resets the backoff, in milliseconds."),
  failed_after: z.number().int().min(1).max(1_000_000).default(10).describe("Consecutive failures after which the state shows `failed` (restarts go on)."),
  start_timeout_ms: timeoutMs(30_000, "How long starting the server and its `initialize` handshake may take, in milliseconds."),
  stop_timeout_ms: timeoutMs(5_000, "How long a stop waits for the server to exit before it is killed, in milliseconds."),
};

/** Whether the table parsed without other problems (zod runs refinements only then when asked). */
const known = (p: { issues: readonly unknown[] }) => p.issues.length === 0;

/** One [integrations.mcp.NAME]: a stdio server (`command`) or a Streamable HTTP one (`url`). */
export const mcpServerSchema = z
  .strictObject({
    command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('stdio server: the program and its arguments, e.g. ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv/shared"].'),
    env: z.record(z.string(), z.string()).optional().describe("stdio: extra environment variables for the server (it inherits only HOME, PATH, USER, SHELL, TERM, LOGNAME)."),
    cwd: z.string().min(1).optional().describe("stdio: the server's working directory."),
    url: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL, e.g. http://127.0.0.1:8931/mcp" })
      .optional()
      .describe("Streamable HTTP server: its MCP endpoint."),
    headers: z.record(z.string(), z.string()).optional().describe('HTTP: request headers, e.g. { Authorization = "Bearer ${SEARCH_TOKEN}" }.'),
    ...filters,
    ...supervision,
  })
  // Checked only when every key is known: a misspelled `commnd` gets its did-you-mean, not "give command or url".
  .refine((s) => s.command !== undefined || s.url !== undefined, {
    error: "give command (a stdio server) or url (a Streamable HTTP server)",
    params: { hint: 'e.g. command = ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv/shared"]' },
    when: known,
  })
  .refine((s) => s.command === undefined || s.url === undefined, { error: "give command or url, not both: one server is either a process (command) or an HTTP endpoint (url)", when: known })
  .refine((s) => s.url === undefined || (s.env === undefined && s.cwd === undefined), { error: "env and cwd apply to a stdio server (command), not to url", when: known })
  .refine((s) => s.command === undefined || s.headers === undefined, { error: "headers apply to an HTTP server (url), not to command", when: known })
  .describe("An MCP server whose tools the agent may use.");

/** [integrations.composio]: toolkits connected at Composio, over its v3 REST API. */
export const composioSchema = z
  .strictObject({
    api_key: z.string().min(1, { error: "must not be empty" }).describe('Composio project API key; usually "${COMPOSIO_API_KEY}".'),
    toolkits: z
      .array(z.string().trim().toLowerCase().min(1))
      .default([])
      .describe('Toolkits the agent may use, e.g. ["gmail", "github"]; empty = every toolkit the user has connected.'),
    user_id: z.string().min(1).default("default").describe("The Composio user whose connected accounts are used."),
    base_url: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
      .default("https://backend.composio.dev")
      .describe("Composio API base URL."),
    request_timeout_ms: timeoutMs(15_000, "Timeout of one request to Composio (listing, connect), in milliseconds."),
    ...filters,
  })
  .describe("Composio: tools of the toolkits a user connected there (Gmail, GitHub...).");

const mcpNameSchema = z
  .string()
  .regex(MCP_NAME_PATTERN, { error: 'MCP server names start with a letter or digit and use only letters, digits, "_" and "-" (at most 64 characters)' })
  .refine((n) => n.toLowerCase() !== "composio", { error: '"composio" names the Composio source', params: { hint: "rename the table, e.g. [integrations.mcp.composio-mcp]" } })
  .meta({ not: { enum: ["composio"] } });

/** [integrations]. */
export const integrationsSchema = z
  .strictObject({
    max_tools: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(128)
      .describe("Most tools offered to the model in one request (OpenAI accepts 128); the rest are listed by `bosun integrations` as over the limit."),
    cache_ttl_ms: timeoutMs(60_000, "How long a source's tool list is used before it is listed again, in milliseconds (semantics §6)."),
    composio: composioSchema.optional(),
    mcp: z.record(mcpNameSchema, mcpServerSchema).prefault({}).describe("MCP servers; the table name is the server's name."),
  })
  .describe("Tool sources for the agent: MCP servers and Composio.");

export type IntegrationsConfig = z.output<typeof integrationsSchema>;
export type McpServerConfig = z.output<typeof mcpServerSchema>;
export type ComposioConfig = z.output<typeof composioSchema>;
