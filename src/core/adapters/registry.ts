import type { AdapterFactory } from "./types.ts";

/** Adapter kinds; each loads its protocol code only when configured. */
export const ADAPTER_KINDS: Record<string, () => Promise<AdapterFactory>> = {
  webchat: async () => (await import("./webchat/index.ts")).createWebchatAdapter,
};
