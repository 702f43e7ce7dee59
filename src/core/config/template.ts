import { adapterKinds } from "../adapters/registry.ts";

// The sections bosun owns; each adapter kind contributes its own block (its kind.ts `template`).
const HEAD = `# bosun.toml: configuration of the bosun gateway.
#
# \`bosun config check\` validates this file; \`bosun config schema\` prints its JSON Schema.
# \${VAR} anywhere in a string is replaced by the environment variable VAR (a missing
# one is an error); write $\${ for a literal "\${".

[agent]
# Which model answers. Without \`provider\`, bosun chooses: OPENAI_API_KEY or
# OPENAI_BASE_URL set -> openai; an Ollama server on 127.0.0.1:11434 -> openai
# against it; otherwise echo.
#
# Echo, for trying bosun without a model:
# provider = "echo"
#
# Any OpenAI-compatible API (Ollama, llama.cpp, vLLM, OpenRouter, OpenAI):
# provider = "openai"
# base_url = "http://127.0.0.1:11434/v1"     # Ollama; OpenAI is https://api.openai.com/v1
# model = "llama3.2"
# api_key = "\${OPENAI_API_KEY}"              # not needed for a local Ollama
#
# system_prompt = "You are a helpful assistant."
# timeout_ms = 60000                         # limit for one model request
# max_concurrent_turns = 8                   # provider calls in flight at once, across all conversations
# context_tokens = 8000                      # history budget of one prompt (older turns stay stored)
# max_waiting_per_session = 20               # messages queued behind a conversation's running turn
# max_reply_chars = 16000                    # longest answer of one turn; the model is stopped there
# max_tool_steps = 10                        # tool calls one turn may run before it must answer
#
# Tried in order when the model above keeps failing (rate limits, outages, timeouts, network):
# [[agent.fallback]]
# base_url = "https://openrouter.ai/api/v1"
# model = "meta-llama/llama-3.3-70b-instruct"
# api_key = "\${OPENROUTER_API_KEY}"

[gateway]
# shutdown_timeout_ms = 10000                # how long shutdown lets running turns finish
# first_start_timeout_ms = 10000             # how long start-up waits for each channel's first start
# reload_debounce_ms = 300                   # edits to this file apply live, after this quiet period
# watch_config = true
# heartbeat_ms = 30000                       # how often the gateway marks itself alive (a crash is dated by it)
# outbox_retry_ms = 1000                     # first wait before a failed reply delivery is tried again (doubles)
# outbox_max_attempts = 10                   # failed deliveries before a reply is given up on
# outbox_max_age_ms = 86400000               # a reply undelivered this long is given up on

# Tools for the agent: MCP servers and Composio toolkits. \`bosun integrations\` lists what is
# offered and why anything is not.
# [integrations]
# max_tools = 128                            # most tools offered in one request (OpenAI takes 128)
# cache_ttl_ms = 60000                       # a source's tool list is used this long before it is listed again
#
# [integrations.mcp.files]                   # a stdio MCP server; the table name is its name
# command = ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv/shared"]
# env = { API_TOKEN = "\${FILES_TOKEN}" }     # extra environment (it inherits only HOME, PATH, USER, SHELL, TERM, LOGNAME)
# deny = ["write_*", "edit_file"]            # allow = [...] / deny = [...]: patterns of tool names, "*" matches anything
# call_timeout_ms = 60000                    # one tool call's limit
#
# [integrations.mcp.search]                  # a Streamable HTTP MCP server
# url = "http://127.0.0.1:8931/mcp"
# headers = { Authorization = "Bearer \${SEARCH_TOKEN}" }
#
# [integrations.composio]
# api_key = "\${COMPOSIO_API_KEY}"
# toolkits = ["gmail", "github"]             # connect each with \`bosun integrations connect gmail\`
# user_id = "default"

# One table per channel; the table name is the adapter's name ("cli" is reserved).
`;

/**
 * The commented bosun.toml that `bosun config init` writes: the sections above, then every
 * registered kind's block in registry order. It must stay valid with an empty environment.
 */
export const CONFIG_TEMPLATE = HEAD + adapterKinds().flatMap((k) => (k.template ? [k.template] : [])).join("\n");
