import { z } from "zod";
import { listenSchema, supervision, timeoutMs } from "../../config/fields.ts";
import { defineAdapterKind } from "../kind.ts";

/** [adapters.NAME] with kind = "webhook". */
export const webhookConfigSchema = z
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

export type WebhookAdapterConfig = z.output<typeof webhookConfigSchema>;

/** An authenticated HTTP endpoint: POST a message, get the reply. */
export const webhook = defineAdapterKind({
  kind: "webhook",
  configSchema: webhookConfigSchema,
  template: `# An authenticated HTTP endpoint: POST {"id","conversation","user","text"} with
# X-Bosun-Signature: sha256=<HMAC-SHA256 of the body>, get {"session","reply","error"}.
# [adapters.hooks]
# kind = "webhook"
# listen = "127.0.0.1:7421"
# secret = "\${BOSUN_WEBHOOK_SECRET}"
`,
  listener: (c) => ({ listen: c.listen, guard: "requests must carry a valid signature" }),
  load: async () => (await import("./index.ts")).createWebhookAdapter,
});
