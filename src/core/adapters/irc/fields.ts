import { z } from "zod";
import { timeoutMs } from "../../config/fields.ts";

// Config fields the irc and twitch kinds share (both run over this folder's IRC connection).

export const channelList = z
  .array(z.string().regex(/^[#&][^\s,\x07]{1,199}$/, { error: 'channel names start with "#" or "&" and contain no spaces or commas' }))
  .default([])
  .describe("Channels to join.");

export const floodControl = (burst: number, intervalMs: number) => ({
  send_burst: z.number().int().min(1).max(1000).default(burst).describe("Outbound lines that may be sent at once (token bucket size)."),
  send_interval_ms: timeoutMs(intervalMs, "One more outbound line is allowed every this many milliseconds."),
});

export const pingInterval = () => timeoutMs(60_000, "How often bosun PINGs the server when it is quiet, in milliseconds.");
