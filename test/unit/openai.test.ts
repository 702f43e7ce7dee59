import { afterAll, describe, expect, test } from "bun:test";
import { openaiProvider } from "../../src/core/providers/openai.ts";
import { ProviderError } from "../../src/core/providers/types.ts";
import { Redactor } from "../../src/core/util/redact.ts";

// A local server speaking the OpenAI chat completions wire format, including its error bodies.
const seen: Array<{ auth: string | null; body: any }> = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const body = await req.json();
    seen.push({ auth: req.headers.get("authorization"), body });
    if (body.model === "rate-limited") {
      return Response.json({ error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded" } }, { status: 429, headers: { "retry-after": "12" } });
    }
    // OpenAI's 401 quotes the key it was sent; this one quotes the whole header.
    if (body.model === "bad-key") return Response.json({ error: { message: `Incorrect API key provided: ${req.headers.get("authorization")}`, type: "invalid_request_error", code: "invalid_api_key" } }, { status: 401 });
    if (body.model === "missing") return Response.json({ error: { message: "The model `missing` does not exist", type: "invalid_request_error", code: "model_not_found" } }, { status: 404 });
    const last = body.messages.at(-1).content;
    return Response.json({ id: "chatcmpl-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: `you said ${last}` }, finish_reason: "stop" }] });
  },
});
afterAll(() => server.stop(true));
const base = `http://127.0.0.1:${server.port}/v1/`;
const sig = () => new AbortController().signal;

describe("openai-compatible provider", () => {
  test("sends model, messages and bearer key; returns the assistant message", async () => {
    const p = openaiProvider({ baseUrl: base, model: "m1", apiKey: "sk-test", timeoutMs: 5000 });
    expect(await p.complete([{ role: "user", content: "hi" }], sig())).toBe("you said hi");
    expect(seen.at(-1)).toEqual({ auth: "Bearer sk-test", body: { model: "m1", messages: [{ role: "user", content: "hi" }] } });
  });

  test("an error body becomes a ProviderError with status, code and headers", async () => {
    const p = openaiProvider({ baseUrl: base, model: "rate-limited", timeoutMs: 5000 });
    const err = (await p.complete([{ role: "user", content: "x" }], sig()).catch((e) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.status).toBe(429);
    expect(err.providerCode).toBe("rate_limit_exceeded");
    expect(err.headers?.get("retry-after")).toBe("12");
    expect(err.message).toContain("Rate limit reached");
  });

  test("a refused connection is a ProviderError naming the network failure", async () => {
    const p = openaiProvider({ baseUrl: "http://127.0.0.1:9/v1", model: "m", timeoutMs: 5000 });
    const err = (await p.complete([{ role: "user", content: "x" }], sig()).catch((e) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.status).toBeNull();
    expect(err.message).toContain("could not reach the provider");
  });

  test("a key the provider echoes back is hidden in the error by the redactor it is given (the gateway's), even one no pattern recognises", async () => {
    const key = "plainKeyWithoutPrefix0123";
    const redactor = new Redactor();
    redactor.set([key]);
    const p = openaiProvider({ baseUrl: base, model: "bad-key", apiKey: key, timeoutMs: 5000, redact: (t) => redactor.apply(t) });
    const err = (await p.complete([{ role: "user", content: "x" }], sig()).catch((e) => e)) as ProviderError;
    expect(err.status).toBe(401);
    expect(err.message).toContain("Incorrect API key provided: Bearer [redacted]");
    expect(err.message).not.toContain(key);
  });
});
