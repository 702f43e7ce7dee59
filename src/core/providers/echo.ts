import { defineProvider, KnownDeltas } from "./collect.ts";
import type { Provider, ProviderRequest } from "./types.ts";

/** The echo provider: answers with the user's last message; needs no network and no key. */
export function echoProvider(): Provider {
  return defineProvider({
    name: "echo",
    label: "echo",
    model: "echo",
    // The whole reply is known at once: complete() folds it without awaiting each delta.
    stream(req: ProviderRequest) {
      const last = req.messages.findLast((m) => m.role === "user");
      return new KnownDeltas([
        { type: "text", text: `echo: ${last?.content ?? ""}` },
        { type: "finish", reason: "stop" },
      ]);
    },
  });
}
