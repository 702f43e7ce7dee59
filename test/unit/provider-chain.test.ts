import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { buildChain, callChain, type ChainCallOptions, type ChainEntry, type FallbackSettings } from "../../src/core/providers/chain.ts";
import { echoProvider } from "../../src/core/providers/echo.ts";
import { classifyError } from "../../src/core/providers/errors.ts";
import { openaiProvider } from "../../src/core/providers/openai.ts";
import { ProviderError, type ProviderRequest } from "../../src/core/providers/types.ts";
import { systemClock, type Clock } from "../../src/core/util/clock.ts";
import { fail, OpenAIServer, text } from "../helpers/openai-server.ts";
import { waitUntil } from "../helpers/wait.ts";

// The real openai provider against a local server speaking OpenAI's streamed chat completions.
const server = await OpenAIServer.start();
afterAll(() => server.close());

const request: ProviderRequest = { messages: [{ role: "user", content: "hello" }] };
const primary = (model = "primary") => openaiProvider({ baseUrl: server.url, model, timeoutMs: 5000 });
const fallback = (model: string, more: Partial<FallbackSettings> = {}): FallbackSettings => ({ base_url: server.url, model, ...more });

/** The real clock, except that retry waits are recorded and end at once (their lengths are what is asserted). */
let waits: number[] = [];
const clock: Clock = { ...systemClock, sleep: async (ms) => void waits.push(ms) };

/** Everything the chain told its caller, in order. */
let events: string[] = [];
const opts = (signal = new AbortController().signal): ChainCallOptions => ({
  signal,
  clock,
  onText: (t) => events.push(`text:${t}`),
  onRestart: () => events.push("restart"),
  onNotice: (line) => events.push(`notice:${line}`),
});

beforeEach(() => {
  waits = [];
  events = [];
  server.requests.length = 0;
  server.abandoned = 0;
});

const chainOf = (fallbacks: FallbackSettings[] = [], env: Record<string, string | undefined> = {}, first = primary()) => buildChain({ timeout_ms: 5000, fallback: fallbacks }, first, env);

describe("callChain streams", () => {
  test("deltas reach onText before the reply ends; the usage is the stream's usage chunk; the request asked to stream with usage", async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    server.on("s1", () => ({ parts: ["Hel", "lo", " world"], holdBefore: 2, hold, usage: { prompt_tokens: 11, completion_tokens: 3 } }));
    let settled = false;
    const p = callChain(await chainOf([], {}, primary("s1")), request, opts()).finally(() => (settled = true));
    await waitUntil(() => events.length === 2, "two deltas");
    // Two deltas are out while the server still holds the rest of the stream.
    expect(events).toEqual(["text:Hel", "text:lo"]);
    expect(settled).toBe(false);
    release();
    expect(await p).toEqual({ text: "Hello world", usage: { promptTokens: 11, completionTokens: 3, totalTokens: 14 }, model: "s1", toolCalls: [], finishReason: "stop" });
    expect(events).toEqual(["text:Hel", "text:lo", "text: world"]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.stream).toBe(true);
    expect(server.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  test("a stream with no usage chunk answers usage null", async () => {
    server.on("s2", () => text("plain"));
    expect(await callChain(await chainOf([], {}, primary("s2")), request, opts())).toEqual({ text: "plain", usage: null, model: "s2", toolCalls: [], finishReason: "stop" });
  });
});

describe("callChain retries", () => {
  test("a 429 then success on the same entry: two requests, the wait is retry-after's", async () => {
    server.on("r1", ({ n }) => (n === 0 ? fail(429, "Rate limit reached for requests", { type: "requests", code: "rate_limit_exceeded", headers: { "retry-after": "3" } }) : text("ok")));
    const answer = await callChain(await chainOf([fallback("r1-fb")], {}, primary("r1")), request, opts());
    expect(answer).toEqual({ text: "ok", usage: null, model: "r1", toolCalls: [], finishReason: "stop" });
    expect(server.requests.map((r) => r.model)).toEqual(["r1", "r1"]);
    expect(waits).toEqual([3000]);
    expect(events).toEqual(["notice:rate_limited, retrying in 3000 ms", "text:ok"]);
  });

  test("backoff without retry-after is 1 s then 2 s; a long retry-after is capped at 30 s", async () => {
    server.on("r2", ({ n }) => (n === 0 ? fail(503, "Service Unavailable") : n === 1 ? fail(429, "slow down", { headers: { "retry-after": "120" } }) : text("fine")));
    expect((await callChain(await chainOf([], {}, primary("r2")), request, opts())).text).toBe("fine");
    expect(waits).toEqual([1000, 30_000]);
  });

  test("a stream that breaks after text was shown is retried, and onRestart voids the shown text before the new attempt's", async () => {
    let shown!: () => void;
    const hold = new Promise<void>((r) => (shown = r));
    server.on("r3", ({ n }) => (n === 0 ? { parts: ["Par", "is"], holdBefore: 1, hold, cutAfter: 1 } : text("Paris", " is big")));
    const o = opts();
    // The connection drops once "Par" has been shown.
    const answer = await callChain(await chainOf([], {}, primary("r3")), request, { ...o, onText: (t) => (o.onText!(t), shown()) });
    expect(answer.text).toBe("Paris is big");
    expect(server.count("r3")).toBe(2);
    expect(events).toEqual(["text:Par", "notice:network, retrying in 1000 ms", "restart", "text:Paris", "text: is big"]);
  });

  test("a 429 insufficient_quota is budget_exhausted: exactly one request, no retry, no fallback", async () => {
    server.on("q1", () => fail(429, "You exceeded your current quota, please check your plan and billing details.", { type: "insufficient_quota", code: "insufficient_quota" }));
    const err = await callChain(await chainOf([fallback("q1-fb")], {}, primary("q1")), request, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(429);
    expect(classifyError(err).type).toBe("budget_exhausted");
    expect(server.requests.map((r) => r.model)).toEqual(["q1"]);
    expect(waits).toEqual([]);
    expect(events).toEqual([]);
  });
});

describe("callChain fallbacks", () => {
  test("503 three times on the primary: the fallback answers and its model is recorded", async () => {
    server.on("f1", () => fail(503, "The server is overloaded", { type: "server_error", code: null }));
    server.on("meta-llama/fb", () => ({ parts: ["from ", "fallback"], usage: { prompt_tokens: 5, completion_tokens: 2 } }));
    const answer = await callChain(await chainOf([fallback("meta-llama/fb")], {}, primary("f1")), request, opts());
    expect(answer).toEqual({ text: "from fallback", usage: { promptTokens: 5, completionTokens: 2, totalTokens: 7 }, model: "meta-llama/fb", toolCalls: [], finishReason: "stop" });
    expect(server.requests.map((r) => r.model)).toEqual(["f1", "f1", "f1", "meta-llama/fb"]);
    expect(waits).toEqual([1000, 2000]);
    expect(events).toEqual([
      "notice:provider_unavailable, retrying in 1000 ms",
      "notice:provider_unavailable, retrying in 2000 ms",
      "notice:primary failed (provider_unavailable); trying fallback meta-llama/fb",
      "text:from ",
      "text:fallback",
    ]);
  });

  test("when every entry fails the chain rejects with the last entry's error, unchanged", async () => {
    server.on("f2", () => fail(503, "primary down"));
    server.on("f2-fb", () => fail(502, "fallback down too"));
    const err = await callChain(await chainOf([fallback("f2-fb")], {}, primary("f2")), request, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(502);
    expect((err as Error).message).toContain("fallback down too");
    expect(server.requests.map((r) => r.model)).toEqual(["f2", "f2", "f2", "f2-fb", "f2-fb", "f2-fb"]);
  });

  test("401 on the primary: no retry and no fallback by default; the rejection is classified auth", async () => {
    server.on("a1", () => fail(401, "Incorrect API key provided", { type: "invalid_request_error", code: "invalid_api_key" }));
    const err = await callChain(await chainOf([fallback("a1-fb")], {}, primary("a1")), request, opts()).catch((e: unknown) => e);
    expect(classifyError(err).type).toBe("auth");
    expect(server.requests.map((r) => r.model)).toEqual(["a1"]);
    expect(waits).toEqual([]);
  });

  test('401 on the primary moves on to a fallback whose on = ["auth"], skipping one that does not take auth', async () => {
    server.on("a2", () => fail(401, "Incorrect API key provided", { code: "invalid_api_key" }));
    server.on("a2-auth", () => text("answered"));
    const chain = await chainOf([fallback("a2-default"), fallback("a2-auth", { on: ["auth"] })], {}, primary("a2"));
    const answer = await callChain(chain, request, opts());
    expect(answer).toEqual({ text: "answered", usage: null, model: "a2-auth", toolCalls: [], finishReason: "stop" });
    expect(server.requests.map((r) => r.model)).toEqual(["a2", "a2-auth"]);
    expect(events[0]).toBe("notice:primary failed (auth); trying fallback a2-auth");
  });

  test("a fallback sends its own api_key, and never the environment's OPENAI_API_KEY (it belongs to the primary's host)", async () => {
    server.on("k1", () => fail(503, "down"));
    server.on("k1-fb", () => fail(503, "down"));
    server.on("k1-keyed", () => text("ok"));
    const env = { OPENAI_API_KEY: "sk-env-primary-only-0123456789" };
    const chain = await chainOf([fallback("k1-fb"), fallback("k1-keyed", { api_key: "sk-fallback-key-abcdef" })], env, primary("k1"));
    expect((await callChain(chain, request, opts())).model).toBe("k1-keyed");
    expect(server.requests.filter((r) => r.model === "k1-fb").map((r) => r.authorization)).toEqual([null, null, null]);
    expect(server.requests.find((r) => r.model === "k1-keyed")!.authorization).toBe("Bearer sk-fallback-key-abcdef");
  });

  test("the primary's model is the provider's own (openai: its model, echo: echo); each entry's on defaults to the transient errors", async () => {
    const chain = await buildChain({ timeout_ms: 5000, fallback: [fallback("x"), fallback("y", { on: ["auth", "budget_exhausted"] })] }, echoProvider(), {});
    expect(chain.map((e: ChainEntry) => [e.model, [...e.on].sort()])).toEqual([
      ["echo", ["network", "provider_unavailable", "rate_limited", "timeout"]],
      ["x", ["network", "provider_unavailable", "rate_limited", "timeout"]],
      ["y", ["auth", "budget_exhausted"]],
    ]);
    expect(await callChain(chain, request, opts())).toEqual({ text: "echo: hello", usage: null, model: "echo", toolCalls: [], finishReason: "stop" });
    expect((await chainOf([], {}, primary("llama3.2")))[0]!.model).toBe("llama3.2");
  });
});

describe("callChain cancellation", () => {
  test("an abort mid-stream rejects at once: no retry, no fallback, the request is dropped", async () => {
    server.on("c1", () => ({ parts: ["one", "two"], holdBefore: 1, hold: new Promise(() => undefined) }));
    const ac = new AbortController();
    const o = opts(ac.signal);
    // The fallback would take what an aborted stream looks like (unknown, network, timeout): only the abort stops it.
    const chain = await chainOf([fallback("c1-fb", { on: ["unknown", "network", "timeout", "cancelled"] })], {}, primary("c1"));
    const p = callChain(chain, request, { ...o, onText: (t) => (o.onText!(t), ac.abort()) });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(classifyError(err, { cancelled: ac.signal.aborted }).type).toBe("cancelled");
    await server.until(() => server.abandoned === 1);
    expect(server.requests.map((r) => r.model)).toEqual(["c1"]);
    expect(waits).toEqual([]);
    expect(events).toEqual(["text:one"]);
  });

  test("an abort during a retry wait ends the chain with the error that caused the wait", async () => {
    server.on("c2", () => fail(503, "Service Unavailable"));
    const ac = new AbortController();
    const abortingClock: Clock = { ...systemClock, sleep: async (ms) => void (waits.push(ms), ac.abort()) };
    const err = await callChain(await chainOf([fallback("c2-fb")], {}, primary("c2")), request, { ...opts(ac.signal), clock: abortingClock }).catch((e: unknown) => e);
    expect((err as ProviderError).status).toBe(503);
    expect(server.requests.map((r) => r.model)).toEqual(["c2"]);
    expect(waits).toEqual([1000]);
  });

  test("a provider that ignores the signal (echo) still gives a cancelled turn no answer", async () => {
    const ac = new AbortController();
    const chain = await buildChain({ timeout_ms: 5000 }, echoProvider(), {});
    const err = await callChain(chain, request, { ...opts(ac.signal), onText: () => ac.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(classifyError(err, { cancelled: ac.signal.aborted }).type).toBe("cancelled");
  });

  test("an already aborted signal calls no provider", async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await callChain(await chainOf([], {}, primary("c3")), request, opts(ac.signal)).catch((e: unknown) => e);
    expect(classifyError(err, { cancelled: true }).type).toBe("cancelled");
    expect(server.requests).toHaveLength(0);
  });
});
