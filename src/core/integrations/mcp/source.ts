import type { ConsolaInstance } from "consola";
import type { McpServerConfig } from "../../config/integrations-schema.ts";
import { errorMessage } from "../../errors.ts";
import { backoffDelay } from "../../util/backoff.ts";
import type { Clock } from "../../util/clock.ts";
import type { SourceHealth, SourceState, SourceTool, ToolResult, ToolSource } from "../types.ts";
import { type McpConnection, openConnection } from "./connect.ts";
import { resultFromCall } from "./result.ts";

/** Bounds of one listing: a server that keeps handing out cursors cannot keep us paging forever. */
export const MAX_LIST_PAGES = 50;
export const MAX_LIST_TOOLS = 5_000;

export interface McpSourceDeps {
  log: ConsolaInstance;
  clock: Clock;
  random: () => number;
  /**
   * The gateway's environment. Not passed to the server: a stdio server gets only the SDK's safe
   * default set (HOME, PATH, USER...) plus config.env, whose ${VAR}s the config loader filled in.
   */
  env: Record<string, string | undefined>;
}

const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;

/**
 * One MCP server as a tool source, supervised like an adapter (semantics §1): connect within
 * start_timeout_ms, run until the process exits or the connection closes, wait a full-jitter
 * backoff, reconnect; `failed` after failed_after consecutive failures (retries go on at the cap).
 * Nothing the server sends throws out of here.
 */
export function createMcpSource(name: string, config: McpServerConfig, deps: McpSourceDeps): ToolSource {
  return new McpSource(name, config, deps);
}

class McpSource implements ToolSource {
  readonly kind = "mcp" as const;
  readonly name: string;
  #config: McpServerConfig;
  #d: McpSourceDeps;
  #log: ConsolaInstance;
  #health: SourceHealth;
  #listeners: Array<(why: string) => void> = [];
  #conn: McpConnection | null = null;
  #stop = new AbortController();
  #loop: Promise<void> | null = null;
  #failures = 0;

  constructor(name: string, config: McpServerConfig, deps: McpSourceDeps) {
    this.name = name;
    this.#config = config;
    this.#d = deps;
    this.#log = deps.log.withTag(`mcp:${name}`);
    this.#health = { state: "stopped", lastError: null, restarts: 0, since: new Date(deps.clock.now()).toISOString() };
  }

  start(): void {
    if (this.#loop || this.#stop.signal.aborted) return;
    this.#loop = this.#run().catch((err) => this.#log.error(`supervisor crashed: ${errorMessage(err)}`));
  }

  async stop(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    const timeoutMs = this.#config.stop_timeout_ms;
    const conn = this.#conn;
    this.#conn = null;
    if (conn) await conn.close(timeoutMs);
    if (this.#loop) {
      const deadline = new AbortController();
      const finished = await Promise.race([this.#loop.then(() => true), this.#d.clock.sleep(timeoutMs, deadline.signal).then(() => false)]);
      deadline.abort();
      if (!finished) this.#log.warn(`did not stop within ${timeoutMs} ms; abandoned it`);
    }
    this.#set("stopped");
  }

  health(): SourceHealth {
    return { ...this.#health };
  }

  onChange(listener: (why: string) => void): void {
    this.#listeners.push(listener);
  }

  async list(signal: AbortSignal): Promise<SourceTool[]> {
    const conn = this.#live();
    const { ListToolsResultSchema } = await import("@modelcontextprotocol/sdk/types.js");
    const out: SourceTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_LIST_PAGES) throw new Error(`tools/list of ${this.name} went past ${MAX_LIST_PAGES} pages; stopped there`);
      let res;
      try {
        // request(), not listTools(): listTools compiles every tool's outputSchema, and one bad schema would fail the whole listing.
        res = await conn.client.request({ method: "tools/list", params: cursor === undefined ? {} : { cursor } }, ListToolsResultSchema, {
          signal,
          timeout: this.#config.call_timeout_ms,
        });
      } catch (err) {
        // The caller gave up (its own deadline): the server did nothing wrong, so its connection stays.
        if (signal.aborted) throw new Error(`tools/list of ${this.name} was abandoned: the listing took too long`);
        throw new Error(`tools/list of ${this.name} failed: ${this.#requestError(err, conn)}`);
      }
      for (const t of res.tools) {
        out.push({ name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), inputSchema: t.inputSchema });
        if (out.length > MAX_LIST_TOOLS) throw new Error(`${this.name} lists more than ${MAX_LIST_TOOLS} tools; stopped there`);
      }
      if (!res.nextCursor || res.nextCursor === cursor) return out;
      cursor = res.nextCursor;
    }
  }

  async call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult> {
    const conn = this.#conn;
    if (!conn || this.#health.state !== "running") return { text: `MCP server ${this.name} is not running (${this.#health.state}${this.#health.lastError ? `: ${this.#health.lastError}` : ""})`, isError: true };
    const timeoutMs = this.#config.call_timeout_ms;
    try {
      const result = await conn.client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: timeoutMs });
      return resultFromCall(result);
    } catch (err) {
      const code = (err as { code?: unknown })?.code;
      if (code === REQUEST_TIMEOUT) return { text: `tool ${tool} timed out after ${timeoutMs} ms`, isError: true };
      if (signal.aborted) return { text: `tool ${tool} was cancelled`, isError: true };
      if (conn.tooLarge()) return { text: `the result of tool ${tool} was larger than the 10 MB one MCP message may carry; the server's connection was lost and it is restarted`, isError: true };
      if (code === CONNECTION_CLOSED || this.#conn !== conn) return { text: `MCP server ${this.name} went down during the call of ${tool}`, isError: true };
      return { text: `tool ${tool} failed: ${this.#requestError(err, conn)}`, isError: true };
    }
  }

  /** The connection, or a throw saying why there is none. */
  #live(): McpConnection {
    const conn = this.#conn;
    if (conn && this.#health.state === "running") return conn;
    const h = this.#health;
    throw new Error(`MCP server ${this.name} is not running (${h.state}${h.lastError ? `: ${h.lastError}` : ""})`);
  }

  /**
   * A failed request's message. A transport-level failure of an HTTP server (refused, reset, an
   * HTTP error status) means the connection is gone: it is dropped so supervision reconnects.
   */
  #requestError(err: unknown, conn: McpConnection): string {
    const message = errorMessage(err);
    const isProtocol = typeof (err as { code?: unknown })?.code === "number" && Math.abs((err as { code: number }).code) >= 32000;
    if (this.#config.url && !isProtocol && this.#conn === conn) {
      this.#log.warn(`request failed: ${message}; reconnecting`);
      void conn.close(this.#config.stop_timeout_ms);
    }
    return message.length > 500 ? `${message.slice(0, 500)}...` : message;
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    let first = true;
    while (!stop.aborted) {
      if (!first) this.#health.restarts++;
      first = false;
      const why = await this.#attempt(stop);
      if (stop.aborted) break;
      this.#failures++;
      const cfg = this.#config;
      const delay = backoffDelay(this.#failures, cfg.backoff_initial_ms, cfg.backoff_max_ms, this.#d.random);
      this.#set(this.#failures >= cfg.failed_after ? "failed" : "backoff", why);
      this.#log.warn(`${why}; restarting in ${(delay / 1000).toFixed(1)} s (failure ${this.#failures})`);
      await this.#d.clock.sleep(delay, stop);
    }
  }

  /** One connection, from start to its end; returns why it ended (or could not start). */
  async #attempt(stop: AbortSignal): Promise<string> {
    this.#set("starting", this.#health.lastError);
    let conn: McpConnection;
    try {
      conn = await openConnection(this.name, this.#config, { log: this.#log, clock: this.#d.clock, onToolsChanged: () => this.#emit("tools/list_changed") }, stop);
    } catch (err) {
      return errorMessage(err);
    }
    if (stop.aborted) {
      await conn.close(this.#config.stop_timeout_ms);
      return "stopped";
    }
    this.#conn = conn;
    this.#set("running", null);
    this.#log.info(`running${conn.pid !== null ? ` (pid ${conn.pid})` : ""}`);
    this.#emit("connected");
    const cancelHealthy = this.#d.clock.after(this.#config.healthy_after_ms, () => (this.#failures = 0));
    // One listener per connection, removed when it ends: a server in a restart loop must not pile them up on `stop`.
    let onStop: () => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      onStop = () => resolve("stopped");
      stop.addEventListener("abort", onStop, { once: true });
    });
    const why = await Promise.race([conn.ended, stopped]);
    stop.removeEventListener("abort", onStop);
    cancelHealthy();
    if (this.#conn === conn) this.#conn = null;
    if (stop.aborted) return "stopped";
    this.#set("backoff", why);
    this.#emit(`down: ${why}`);
    // Already closed by the server's side; this reaps what is left (a child that closed stdout but lives on).
    await conn.close(this.#config.stop_timeout_ms);
    return why;
  }

  #emit(why: string): void {
    for (const l of this.#listeners) {
      try {
        l(why);
      } catch (err) {
        this.#log.error(`change listener failed: ${errorMessage(err)}`);
      }
    }
  }

  #set(state: SourceState, lastError: string | null = this.#health.lastError): void {
    if (state !== this.#health.state) this.#health.since = new Date(this.#d.clock.now()).toISOString();
    this.#health.state = state;
    this.#health.lastError = lastError;
  }
}
