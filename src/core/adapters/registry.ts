import type { AdapterFactory } from "./types.ts";

/** Adapter kinds; each loads its protocol code only when configured. */
export const ADAPTER_KINDS: Record<string, () => Promise<AdapterFactory>> = {
  webchat: async () => (await import("./webchat/index.ts")).createWebchatAdapter,
  webhook: async () => (await import("./webhook/index.ts")).createWebhookAdapter,
  irc: async () => (await import("./irc/index.ts")).createIrcAdapter,
  twitch: async () => (await import("./irc/index.ts")).createTwitchAdapter,
  telegram: async () => (await import("./telegram/index.ts")).createTelegramAdapter,
};
