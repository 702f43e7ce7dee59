import type { ChatMessage, Provider } from "./types.ts";

/** The echo provider: answers with the user's last message; needs no network and no key. */
export function echoProvider(): Provider {
  return {
    name: "echo",
    label: "echo",
    async complete(messages: ChatMessage[]): Promise<string> {
      const last = [...messages].reverse().find((m) => m.role === "user");
      return `echo: ${last?.content ?? ""}`;
    },
  };
}
