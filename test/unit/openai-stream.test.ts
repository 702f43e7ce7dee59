import { afterAll, describe, expect, test } from "bun:test";
import { collect } from "../../src/core/providers/collect.ts";
import { classifyError } from "../../src/core/providers/errors.ts";
import { openaiProvider } from "../../src/core/providers/openai.ts";
import { ProviderError, type ProviderDelta, type ToolDefinition } from "../../src/core/providers/types.ts";
import { Redactor } from "../../src/core/util/redact.ts";

// A local server speaking OpenAI's streamed chat completions: `data: {chunk}` events, `data: [DONE]`.
const chunk = (delta: object, finish: string | null = null) => ({ object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] });
const sse = (...events: Array<object | string>) => events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`).join("");

let release: () => void = () => undefined;
let cancelled: () => void = () => undefined;
/** Opened by a test once it has seen the first delta: proves deltas arrive before the body ends. */
let gate: Promise<void> = Promise.resolve();
const seen: Array<{ auth: string | null; body: any }> = [];

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const body = await req.json();
    seen.push({ auth: req.headers.get("authorization"), body });
    const stream = (parts: Array<string | Promise<void>>, status = 200) =>
      new Response(
        new ReadableStream({
          async start(c) {
            for (const p of parts) {
              if (typeof p === "string") c.enqueue(new TextEncoder().encode(p));
              else await p;
            }
            c.close();
          },
        }),
        { status, headers: { "content-type": "text/event-stream" } },
      );
    switch (body.model) {
      case "text":
        return stream([
          sse(chunk({ role: "assistant", content: "" }), chunk({ content: "Hel" })),
          gate,
          sse(chunk({ content: "lo" }), chunk({}, "stop"), { object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 } }, "[DONE]"),
        ]);
      case "tools": {
        // Two parallel calls, each split across chunks (and across reads: one event cut mid-line).
        const s = sse(
          chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
          chunk({ tool_calls: [{ index: 0, id: null, type: null, function: { name: null, arguments: '{"ci' } }] }),
          chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: '{"tz":' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
          chunk({ tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }),
          chunk({}, "tool_calls"),
          "[DONE]",
        );
        const cut = s.indexOf("Paris") + 2;
        return stream([s.slice(0, cut), s.slice(cut)]);
      }
      case "crlf-utf8": {
        // CRLF line ends, a comment line, and a multi-byte character split between two reads.
        const bytes = new TextEncoder().encode(`: keep-alive\r\n\r\ndata: ${JSON.stringify(chunk({ content: "café ☕" }))}\r\n\r\ndata: ${JSON.stringify(chunk({}, "stop"))}\r\n\r\ndata: [DONE]\r\n\r\n`);
        const at = bytes.indexOf(0xe2) + 1;
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(bytes.slice(0, at));
              c.enqueue(bytes.slice(at));
              c.close();
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      }
      case "rate-limited":
        return Response.json({ error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded" } }, { status: 429, headers: { "retry-after": "12" } });
      case "bad-key":
        return Response.json({ error: { message: `Incorrect API key provided: ${req.headers.get("authorization")}`, type: "invalid_request_error", code: "invalid_api_key" } }, { status: 401 });
      case "malformed":
        return stream([sse(chunk({ content: "Hi" })), "data: {not json at all\n\n", sse(chunk({}, "stop"), "[DONE]")]);
      case "mid-error":
        return stream([sse(chunk({ content: "Par" }), { error: { message: "The server is overloaded", type: "server_error", code: "overloaded_error" } })]);
      case "cut-off":
        return stream([sse(chunk({ content: "half a rep" }))]);
      case "endless":
        // Text forever, until the client goes away.
        return new Response(
          new ReadableStream({
            pull(c) {
              c.enqueue(new TextEncoder().encode(sse(chunk({ content: "more " }))));
              return new Promise((r) => setTimeout(r, 5));
            },
            cancel() {
              cancelled();
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      case "giant-line": {
        // 5 MiB without a line end: no event stream, and no reason to hold it all in memory.
        const piece = new TextEncoder().encode("x".repeat(64 * 1024));
        let sent = 0;
        return new Response(
          new ReadableStream({
            pull(c) {
              if (sent++ < 80) c.enqueue(piece);
              else c.close();
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      }
      case "stall":
        return stream([sse(chunk({ content: "slow" })), new Promise<void>(() => undefined)]);
      case "ignores-stream":
        return Response.json({ choices: [{ index: 0, message: { role: "assistant", content: "whole" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
      case "whole-tools":
        return Response.json({
          choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "call_w", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] }, finish_reason: "tool_calls" }],
        });
      default:
        return new Response("unknown model", { status: 404 });
    }
  },
});
afterAll(() => server.stop(true));
const base = `http://127.0.0.1:${server.port}/v1`;
const sig = () => new AbortController().signal;
const provider = (model: string, extra: { apiKey?: string; timeoutMs?: number; redact?: (t: string) => string } = {}) =>
  openaiProvider({ baseUrl: base, model, timeoutMs: extra.timeoutMs ?? 5000, apiKey: extra.apiKey, redact: extra.redact });
const user = (content: string) => [{ role: "user" as const, content }];
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e) as Promise<ProviderError | null>;

describe("openai provider, streaming", () => {
  test("text arrives as deltas while the body is still open; usage and finish reason follow", async () => {
    gate = new Promise((r) => (release = r));
    const it = provider("text").stream({ messages: user("hi"), stream: true }, sig())[Symbol.asyncIterator]();
    // The server holds the rest of the body until the gate opens: this delta was read from a live stream.
    expect((await it.next()).value).toEqual({ type: "text", text: "Hel" });
    release();
    const rest: ProviderDelta[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest).toEqual([
      { type: "text", text: "lo" },
      { type: "finish", reason: "stop" },
      { type: "usage", usage: { promptTokens: 7, completionTokens: 2, totalTokens: 9 } },
    ]);
    expect(seen.at(-1)!.body).toEqual({ model: "text", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
  });

  test("tool definitions are sent as given; a tool call split across chunks is merged by index", async () => {
    const tools: ToolDefinition[] = [
      { type: "function", function: { name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
      { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
    ];
    const reply = await collect(provider("tools").stream({ messages: user("weather?"), tools, stream: true }, sig()));
    expect(seen.at(-1)!.body.tools).toEqual(tools);
    expect(reply).toEqual({
      text: "",
      toolCalls: [
        { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "call_b", type: "function", function: { name: "get_time", arguments: '{"tz":"CET"}' } },
      ],
      usage: null,
      finishReason: "tool_calls",
    });
  });

  test("CRLF line ends, comments and a character split between reads decode cleanly", async () => {
    expect((await collect(provider("crlf-utf8").stream({ messages: user("x"), stream: true }, sig()))).text).toBe("café ☕");
  });

  test("an error status with an OpenAI error body before the stream starts is a classified ProviderError", async () => {
    const err = await failure(collect(provider("rate-limited").stream({ messages: user("x"), stream: true }, sig())));
    expect(err).toBeInstanceOf(ProviderError);
    expect(err!.status).toBe(429);
    expect(err!.providerCode).toBe("rate_limit_exceeded");
    expect(err!.message).toContain("Rate limit reached");
    const c = classifyError(err);
    expect(c.type).toBe("rate_limited");
    expect(c.retryAfterMs).toBe(12_000);
  });

  test("a key the server quotes back in its error is redacted on the streaming path too", async () => {
    const key = "plainKeyWithoutPrefix0123";
    const redactor = new Redactor();
    redactor.set([key]);
    const err = await failure(collect(provider("bad-key", { apiKey: key, redact: (t) => redactor.apply(t) }).stream({ messages: user("x"), stream: true }, sig())));
    expect(err!.status).toBe(401);
    expect(err!.message).not.toContain(key);
    expect(classifyError(err).type).toBe("auth");
  });

  test("a malformed line ends the stream with a classified error after the text before it, never a crash", async () => {
    const got: ProviderDelta[] = [];
    const err = await failure(
      (async () => {
        for await (const d of provider("malformed").stream({ messages: user("x"), stream: true }, sig())) got.push(d);
      })(),
    );
    expect(got).toEqual([{ type: "text", text: "Hi" }]);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err!.message).toContain("malformed stream chunk");
    const c = classifyError(err);
    expect(c.type).toBe("unknown");
    expect(c.userMessage).toContain("malformed stream chunk");
  });

  test("an error event mid-stream is classified by its code", async () => {
    const err = await failure(collect(provider("mid-error").stream({ messages: user("x"), stream: true }, sig())));
    expect(err!.providerCode).toBe("overloaded_error");
    expect(err!.message).toContain("The server is overloaded");
    expect(classifyError(err)).toMatchObject({ type: "provider_unavailable", retryable: true });
  });

  test("a stream that ends with neither a finish reason nor [DONE] is an error, not a silently short reply", async () => {
    const err = await failure(collect(provider("cut-off").stream({ messages: user("x"), stream: true }, sig())));
    expect(err!.message).toContain("ended before the reply was complete");
  });

  test("a stream that stalls past timeout_ms is a retryable timeout", async () => {
    const err = await failure(collect(provider("stall", { timeoutMs: 200 }).stream({ messages: user("x"), stream: true }, sig())));
    expect(err).toBeInstanceOf(ProviderError);
    expect(classifyError(err)).toMatchObject({ type: "timeout", retryable: true });
  });

  test("leaving the loop early closes the stream at the server", async () => {
    const gone = new Promise<void>((r) => (cancelled = r));
    // The request's own deadline (60 s) is far beyond this test's: only the early exit can close it.
    for await (const d of provider("endless", { timeoutMs: 60_000 }).stream({ messages: user("x"), stream: true }, sig())) {
      expect(d).toEqual({ type: "text", text: "more " });
      break;
    }
    await gone;
  }, 5_000);

  test("a line longer than 4 MiB stops reading with a classified error", async () => {
    const err = await failure(collect(provider("giant-line").stream({ messages: user("x"), stream: true }, sig())));
    expect(err).toBeInstanceOf(ProviderError);
    expect(err!.message).toContain("longer than");
    expect(classifyError(err).type).toBe("unknown");
  });

  test("a server that ignores stream: true and answers whole is read as the whole answer", async () => {
    const reply = await collect(provider("ignores-stream").stream({ messages: user("x"), stream: true }, sig()));
    expect(reply).toMatchObject({ text: "whole", finishReason: "stop", usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } });
  });
});

describe("openai provider, whole answers", () => {
  test("without stream the request has no stream fields, and tool calls come back as deltas", async () => {
    const reply = await collect(provider("whole-tools").stream({ messages: user("find x") }, sig()));
    expect(seen.at(-1)!.body).toEqual({ model: "whole-tools", messages: [{ role: "user", content: "find x" }] });
    expect(reply.toolCalls).toEqual([{ id: "call_w", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }]);
    expect(reply.finishReason).toBe("tool_calls");
  });
});
