import { defineProvider } from "./collect.ts";
import type { Provider, ProviderDelta, ProviderRequest } from "./types.ts";

/** The echo provider: answers with the user's last message; needs no network and no key. */
export function echoProvider(): Provider {
  return defineProvider({
    name: "echo",
    label: "echo",
    async *stream(req: ProviderRequest): AsyncGenerator<ProviderDelta> {
      const last = [...req.messages].reverse().find((m) => m.role === "user");
      yield { type: "text", text: `echo: ${last?.content ?? ""}` };
      yield { type: "finish", reason: "stop" };
    },
  });
}
