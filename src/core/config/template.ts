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

[gateway]
# shutdown_timeout_ms = 10000                # how long shutdown waits for channels and sessions
# first_start_timeout_ms = 10000             # how long start-up waits for each channel's first start
# reload_debounce_ms = 300                   # edits to this file apply live, after this quiet period
# watch_config = true
# heartbeat_ms = 30000                       # how often the gateway marks itself alive (a crash is dated by it)

# One table per channel; the table name is the adapter's name ("cli" is reserved).
`;

/**
 * The commented bosun.toml that `bosun config init` writes: the sections above, then every
 * registered kind's block in registry order. It must stay valid with an empty environment.
 */
export const CONFIG_TEMPLATE = HEAD + adapterKinds().flatMap((k) => (k.template ? [k.template] : [])).join("\n");
