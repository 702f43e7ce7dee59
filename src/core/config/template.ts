/** The commented bosun.toml that `bosun config init` writes; it must stay valid with an empty environment. */
export const CONFIG_TEMPLATE = `# bosun.toml: configuration of the bosun gateway.
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
[adapters.web]
kind = "webchat"
listen = "127.0.0.1:7420"                    # open http://127.0.0.1:7420 in a browser
# title = "bosun"
# Beyond loopback (e.g. listen = "0.0.0.0:7420") the chat needs a token, or public = true:
# access_token = "\${BOSUN_WEBCHAT_TOKEN}"     # then open http://HOST:7420/#token=...
# allowed_origins = ["https://chat.example.com"]   # other pages that may open the chat's WebSocket
# allowed_hosts = ["bot.lan"]                # extra Host names (loopback and the listen address always work)
# Every adapter is supervised: it reconnects by itself with full-jitter backoff.
# These timings can be set per adapter (defaults shown):
# backoff_initial_ms = 1000                  # first retry delay; doubles per failure
# backoff_max_ms = 60000                     # retry delay cap
# healthy_after_ms = 10000                   # a connection up this long resets the backoff
# failed_after = 10                          # consecutive failures before the state shows "failed"
# stale_after_ms = 300000                    # silence before a liveness probe (a failed probe reconnects)
# stop_timeout_ms = 5000

# An authenticated HTTP endpoint: POST {"id","conversation","user","text"} with
# X-Bosun-Signature: sha256=<HMAC-SHA256 of the body>, get {"session","reply","error"}.
# [adapters.hooks]
# kind = "webhook"
# listen = "127.0.0.1:7421"
# secret = "\${BOSUN_WEBHOOK_SECRET}"

# IRC (plain or TLS; SASL PLAIN or NickServ). In channels the bot answers "nick: ..." lines.
# [adapters.libera]
# kind = "irc"
# server = "irc.libera.chat:6697"
# tls = true
# nick = "bosunbot"
# channels = ["#bosun"]
# sasl_username = "bosunbot"
# sasl_password = "\${IRC_PASSWORD}"

# Twitch chat.
# [adapters.stream]
# kind = "twitch"
# username = "mybot"
# oauth_token = "\${TWITCH_OAUTH_TOKEN}"
# channels = ["#mychannel"]
# trigger_prefix = "!bot"

# A Telegram bot (long polling).
# [adapters.tg]
# kind = "telegram"
# token = "\${TELEGRAM_BOT_TOKEN}"
`;
