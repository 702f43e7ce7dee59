/**
 * A local OpenAI-compatible chat completions server for provider and turn tests: real HTTP on
 * 127.0.0.1 (node:http, so a test can cut a socket mid-stream), streamed answers as SSE
 * (`data: {chunk}` events, a usage chunk when asked for with stream_options, `data: [DONE]`),
 * whole JSON answers otherwise, and OpenAI's error bodies (`{"error":{"message","type","code"}}`)
 * at real statuses with retry-after headers. Each model name gets a script (`on`); a model without
 * one answers "echo: <last user message>". Counters let a test assert exactly what went over the wire.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** An answer the server gives to one request. */
export type Answer =
  | {
      /** The reply's text, one SSE chunk per part when streamed (joined when not). */
      parts: string[];
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
      /** Before sending the part at this index, wait for `hold` (a test opens it when it has seen the earlier parts). */
      holdBefore?: number;
      hold?: Promise<unknown>;
      /** Destroy the socket after this many parts were sent (a stream that breaks mid-way); a hold at the same index comes first. */
      cutAfter?: number;
    }
  | {
      /**
       * Tool calls, streamed as OpenAI does: per call (by index) a first chunk with id, type, name
       * and arguments "", then the arguments over several chunks; finish_reason "tool_calls".
       * Parallel calls are indexes 0, 1, …; `text` parts stream before them. Not streamed: one message.
       */
      toolCalls: Array<{ id?: string; name: string; arguments: string }>;
      text?: string[];
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
      /** Before the first tool-call chunk, wait for `hold`. */
      hold?: Promise<unknown>;
    }
  | {
      error: { status: number; message: string; type?: string; code?: string | null; headers?: Record<string, string> };
    };

export interface SeenRequest {
  model: string;
  body: Record<string, any>;
  authorization: string | null;
  /** This model's request count before this one (0 for its first). */
  n: number;
  /** The whole answer went out (false while it runs, and for one cut or abandoned). */
  completed: boolean;
}

export const text = (...parts: string[]): Answer => ({ parts });
/** An answer that calls tools (one, or several in parallel), after optional text. */
export const toolCalls = (calls: Array<{ id?: string; name: string; arguments: string }>, text: string[] = []): Answer => ({ toolCalls: calls, text });
export const fail = (status: number, message: string, more: { type?: string; code?: string | null; headers?: Record<string, string> } = {}): Answer => ({ error: { status, message, ...more } });

export class OpenAIServer {
  #server!: Server;
  #base = "";
  #scripts = new Map<string, (req: SeenRequest) => Answer>();
  #sockets = new Set<Socket>();
  #waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  /** Every request, in arrival order. */
  readonly requests: SeenRequest[] = [];
  /** Requests whose response had not ended when the client went away (cancelled or cut). */
  abandoned = 0;
  inFlight = 0;
  maxInFlight = 0;

  /** Start listening on 127.0.0.1 on a free port. */
  static async start(): Promise<OpenAIServer> {
    const s = new OpenAIServer();
    s.#server = createServer((req, res) => void s.#handle(req, res));
    s.#server.on("connection", (sock) => {
      s.#sockets.add(sock);
      sock.on("close", () => s.#sockets.delete(sock));
    });
    await new Promise<void>((resolve, reject) => {
      s.#server.once("error", reject);
      s.#server.listen(0, "127.0.0.1", () => resolve());
    });
    s.#base = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}/v1`;
    return s;
  }

  /** The API base URL (…/v1), what `base_url` takes. */
  get url(): string {
    return this.#base;
  }

  /** Answer requests for `model` with `script(request)`; `n` counts that model's earlier requests. */
  on(model: string, script: (req: SeenRequest) => Answer): this {
    this.#scripts.set(model, script);
    return this;
  }

  /** Requests made for `model`. */
  count(model: string): number {
    return this.requests.filter((r) => r.model === model).length;
  }

  /** Resolves once `pred` holds (checked after every request and every response end). */
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }

  /** Stop listening and cut every open connection. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, any>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "body is no JSON", type: "invalid_request_error", code: null } }));
      return;
    }
    const model = String(body.model ?? "");
    const seen: SeenRequest = { model, body, authorization: req.headers.authorization ?? null, n: this.count(model), completed: false };
    this.requests.push(seen);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let ended = false;
    res.on("close", () => {
      seen.completed = ended;
      this.inFlight--;
      if (!ended) this.abandoned++;
      this.#wake();
    });
    this.#wake();
    const script = this.#scripts.get(model) ?? ((r: SeenRequest) => text(`echo: ${lastUser(r.body)}`));
    const answer = script(seen);
    if ("error" in answer) {
      const e = answer.error;
      const payload = { error: { message: e.message, type: e.type ?? "server_error", code: e.code ?? null } };
      res.writeHead(e.status, { "content-type": "application/json", ...e.headers });
      ended = true;
      res.end(JSON.stringify(payload));
      return;
    }
    const id = `chatcmpl-${this.requests.length}`;
    const usage = answer.usage ? { ...answer.usage, total_tokens: answer.usage.total_tokens ?? answer.usage.prompt_tokens + answer.usage.completion_tokens } : undefined;
    if ("toolCalls" in answer) {
      const calls = answer.toolCalls.map((c, i) => ({ id: c.id ?? `call_${this.requests.length}_${i}`, type: "function", function: { name: c.name, arguments: c.arguments } }));
      if (!body.stream) {
        ended = true;
        const message = { role: "assistant", content: answer.text?.join("") || null, tool_calls: calls };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id, object: "chat.completion", model, choices: [{ index: 0, message, finish_reason: "tool_calls" }], ...(usage ? { usage } : {}) }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const send = (data: unknown) => res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
      const chunk = (delta: object, finish: string | null = null) => ({ id, object: "chat.completion.chunk", model, choices: [{ index: 0, delta, finish_reason: finish }] });
      // Missing fields as explicit nulls, as a recorded Azure stream has them.
      send(chunk({ role: "assistant", content: null }));
      for (const part of answer.text ?? []) send(chunk({ content: part }));
      if (answer.hold) {
        await answer.hold;
        if (res.destroyed) return;
      }
      for (const [index, c] of calls.entries()) {
        send(chunk({ content: null, tool_calls: [{ index, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }] }));
        // The arguments in three pieces (split anywhere, even inside a string or an escape).
        const a = c.function.arguments;
        const cuts = [0, Math.floor(a.length / 3), Math.floor((2 * a.length) / 3), a.length];
        for (let k = 0; k < 3; k++) if (cuts[k + 1]! > cuts[k]!) send(chunk({ tool_calls: [{ index, id: null, type: null, function: { name: null, arguments: a.slice(cuts[k], cuts[k + 1]) } }] }));
      }
      send(chunk({}, "tool_calls"));
      if (usage && body.stream_options?.include_usage) send({ id, object: "chat.completion.chunk", model, choices: [], usage });
      send("[DONE]");
      ended = true;
      res.end();
      return;
    }
    if (!body.stream) {
      ended = true;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ id, object: "chat.completion", model, choices: [{ index: 0, message: { role: "assistant", content: answer.parts.join("") }, finish_reason: "stop" }], ...(usage ? { usage } : {}) }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (data: unknown) => res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    const chunk = (delta: object, finish: string | null = null) => ({ id, object: "chat.completion.chunk", model, choices: [{ index: 0, delta, finish_reason: finish }] });
    send(chunk({ role: "assistant", content: "" }));
    for (const [i, part] of answer.parts.entries()) {
      if (answer.holdBefore === i && answer.hold) {
        await answer.hold;
        if (res.destroyed) return;
      }
      if (answer.cutAfter !== undefined && i >= answer.cutAfter) {
        // A reset can overtake bytes the client has not read yet: a test that needs the earlier
        // parts seen first holds the cut (holdBefore = cutAfter) until it has seen them.
        res.socket?.destroy();
        return;
      }
      send(chunk({ content: part }));
    }
    send(chunk({}, "stop"));
    if (usage && body.stream_options?.include_usage) send({ id, object: "chat.completion.chunk", model, choices: [], usage });
    send("[DONE]");
    ended = true;
    res.end();
  }
}

function lastUser(body: Record<string, any>): string {
  const messages: Array<{ role?: string; content?: unknown }> = Array.isArray(body.messages) ? body.messages : [];
  const m = messages.findLast((x) => x.role === "user");
  return typeof m?.content === "string" ? m.content : "";
}
