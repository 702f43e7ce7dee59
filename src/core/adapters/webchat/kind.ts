import { z } from "zod";
import { isLoopbackListen, listenSchema, supervision } from "../../config/fields.ts";
import { parseHostPort } from "../../util/listen.ts";
import { defineAdapterKind } from "../kind.ts";

/** Default listen address of the embedded webchat adapter. */
export const DEFAULT_WEBCHAT_LISTEN = "127.0.0.1:7420";

/** [adapters.NAME] with kind = "webchat". */
export const webchatConfigSchema = z
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

export type WebchatAdapterConfig = z.output<typeof webchatConfigSchema>;

/** The browser chat: the embedded default's only adapter, so its block is live in the template. */
export const webchat = defineAdapterKind({
  kind: "webchat",
  configSchema: webchatConfigSchema,
  template: `[adapters.web]
kind = "webchat"
listen = "${DEFAULT_WEBCHAT_LISTEN}"                    # open http://127.0.0.1:7420 in a browser
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
`,
  listener: (c) => ({
    listen: c.listen,
    guard: c.public ? "public = true: anyone who can reach it can chat with the agent and spend its provider budget" : "the chat page needs its access token",
    // Other Host names on a loopback listener mean a reverse proxy: the network may reach it after all.
    note:
      c.allowed_hosts.length > 0 && isLoopbackListen(c.listen) && c.access_token === undefined && !c.public
        ? `answers to ${c.allowed_hosts.join(", ")} (allowed_hosts): behind a reverse proxy the chat is reachable from the network, with no access_token`
        : undefined,
  }),
  load: async () => (await import("./index.ts")).createWebchatAdapter,
});
