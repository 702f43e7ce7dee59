import { describe, expect, test } from "bun:test";
import { configJsonSchema } from "../../src/core/config/jsonschema.ts";
import { agentSchema } from "../../src/core/config/schema.ts";
import { collect } from "../../src/core/providers/collect.ts";
import { echoProvider } from "../../src/core/providers/echo.ts";
import { PROVIDER_NAMES, PROVIDERS } from "../../src/core/providers/registry.ts";
import { selectProvider } from "../../src/core/providers/select.ts";

describe("provider registry", () => {
  test("the config schema's provider list is the registry's", () => {
    const agent = (configJsonSchema() as any).properties.agent.properties.provider;
    expect(agent.enum).toEqual([...PROVIDER_NAMES]);
    expect(Object.keys(PROVIDERS)).toEqual([...PROVIDER_NAMES]);
    for (const name of PROVIDER_NAMES) expect(agent.description).toContain(`"${name}" (${PROVIDERS[name].description})`);
    expect(agentSchema.safeParse({ provider: "nope" }).success).toBe(false);
  });

  test("every registry name can be selected and builds the provider of that name", async () => {
    for (const name of PROVIDER_NAMES) {
      const { provider, notice } = await selectProvider({ provider: name, timeout_ms: 1000, base_url: "http://127.0.0.1:9/v1" }, {});
      expect(provider.name).toBe(name);
      expect(notice).toBeNull();
    }
  });

  test("explicit openai reads [agent] first, then OPENAI_BASE_URL; auto mode reads the environment only", async () => {
    const explicit = await selectProvider({ provider: "openai", model: "m1", timeout_ms: 1000 }, { OPENAI_BASE_URL: "http://127.0.0.1:9/v1/", OPENAI_MODEL: "ignored" });
    expect(explicit.provider.label).toBe("openai (m1 @ http://127.0.0.1:9/v1)");
    const auto = await selectProvider({ timeout_ms: 1000, base_url: "http://ignored.invalid/v1" }, { OPENAI_API_KEY: "k", OPENAI_MODEL: "from-env" });
    expect(auto.provider.label).toBe("openai (from-env @ https://api.openai.com/v1)");
    const none = await selectProvider({ timeout_ms: 1000 }, { OLLAMA_HOST: "127.0.0.1:9" });
    expect(none.provider.name).toBe("echo");
    expect(none.notice).toContain("no model provider configured");
  });
});

describe("echo provider", () => {
  test("streams the echo and a finish reason; complete is the same text collected", async () => {
    const p = echoProvider();
    const messages = [{ role: "user" as const, content: "one" }, { role: "assistant" as const, content: "echo: one" }, { role: "user" as const, content: "two" }];
    expect(await collect(p.stream({ messages, stream: true }, new AbortController().signal))).toEqual({ text: "echo: two", toolCalls: [], usage: null, finishReason: "stop" });
    expect(await p.complete(messages, new AbortController().signal)).toBe("echo: two");
  });
});
