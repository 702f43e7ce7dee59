import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ConsolaInstance } from "consola";
import type { McpServerConfig } from "../../config/integrations-schema.ts";
import { errorMessage } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import { escapeControls } from "../../util/text.ts";

/** stderr lines logged per window; the rest are counted and the count logged when the window ends. */
const STDERR_LINES = 100;
const STDERR_WINDOW_MS = 10_000;
/** Longest stderr line (and protocol error) that goes into the log; the rest of the line is dropped. */
export const MAX_LOG_LINE = 500;
/** Protocol errors of one connection logged in full; past this they are only counted (a hostile server cannot flood the log). */
const MAX_LOGGED_ERRORS = 20;

/** One live connection to an MCP server: its client, and how and why it ended. */
export interface McpConnection {
  client: Client;
  /** The child's pid (stdio); null for an HTTP server. */
  pid: number | null;
  /** Resolves once, with why the connection ended ("exited (code 1): <last stderr line>"). */
  ended: Promise<string>;
  /** Close it (stdio: end stdin, SIGTERM, SIGKILL); bounded by `timeoutMs`, after which the child is killed. */
  close(timeoutMs: number): Promise<void>;
  /** The server sent a message past the SDK's 10 MB read buffer (a huge tool result): the stream is lost from there. */
  tooLarge(): boolean;
}

export interface OpenDeps {
  log: ConsolaInstance;
  clock: Clock;
  /** The server sent notifications/tools/list_changed. */
  onToolsChanged(): void;
}

/**
 * The child the SDK's stdio transport keeps (a private field, `_process`): read for the exit code,
 * which its onclose does not pass on. Checked, not cast: an SDK that renames it gives null, and
 * messages fall back to "connection closed".
 */
function childOf(transport: object): ChildProcess | null {
  const p: unknown = Reflect.get(transport, "_process");
  return p !== null && typeof p === "object" && "once" in p && "kill" in p && "exitCode" in p ? (p as ChildProcess) : null;
}

/**
 * Spawn or reach the server and run the `initialize` handshake, within `config.start_timeout_ms`.
 * The SDK is imported here, so a command that never uses MCP never loads it. Throws with a
 * message for people: "command not found: X", "exited (code 1): <last stderr line>", a timeout.
 */
export async function openConnection(name: string, config: McpServerConfig, deps: OpenDeps, signal: AbortSignal): Promise<McpConnection> {
  const [{ Client }, { ToolListChangedNotificationSchema }] = await Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/types.js"),
  ]);
  const client = new Client({ name: "bosun", version: "1.0.0" }, { capabilities: {} });
  let lastStderr: string | null = null;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let child: ChildProcess | null = null;
  let errors = 0;
  let tooLarge = false;
  let closing = false;

  const describeEnd = (): string => {
    const how = exit ? (exit.code !== null ? `exited (code ${exit.code})` : `killed by ${exit.signal ?? "a signal"}`) : "connection closed";
    return lastStderr ? `${how}: ${lastStderr}` : how;
  };
  let endWith!: (why: string) => void;
  const ended = new Promise<string>((resolve) => (endWith = resolve));
  // Before connect: Protocol.connect wraps the transport's onclose, so pending requests are rejected too.
  client.onclose = () => endWith(describeEnd());
  client.onerror = (err) => {
    // A failed spawn also rejects connect(), and the supervisor says "command not found" once.
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === "ENOENT" || code === "EACCES" || closing) return;
    if (/ReadBuffer exceeded maximum size/i.test(errorMessage(err))) tooLarge = true;
    errors++;
    if (errors <= MAX_LOGGED_ERRORS) deps.log.warn(`connection error: ${cut(errorMessage(err))}`);
    else if (errors === MAX_LOGGED_ERRORS + 1) deps.log.warn("more connection errors; no longer logged for this connection");
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    try {
      deps.onToolsChanged();
    } catch (err) {
      deps.log.error(`tools/list_changed listener: ${errorMessage(err)}`);
    }
  });

  let transport;
  if (config.command) {
    const { StdioClientTransport, getDefaultEnvironment } = await import("@modelcontextprotocol/sdk/client/stdio.js");
    const [command, ...args] = config.command as [string, ...string[]];
    transport = new StdioClientTransport({
      command,
      args,
      env: { ...getDefaultEnvironment(), ...(config.env ?? {}) },
      ...(config.cwd ? { cwd: config.cwd } : {}),
      stderr: "pipe",
    });
    const stderr = transport.stderr as Readable | null;
    if (stderr) {
      // A chatty server (debug logging) must not flood the log: at most STDERR_LINES per window.
      let windowStart = deps.clock.monotonic();
      let logged = 0;
      let dropped = 0;
      readLines(stderr, (line) => {
        const shown = cut(escapeControls(line, "\t"));
        if (shown.trim() === "") return;
        lastStderr = shown;
        const now = deps.clock.monotonic();
        if (now - windowStart >= STDERR_WINDOW_MS) {
          if (dropped > 0) deps.log.warn(`${dropped} more stderr line${dropped === 1 ? "" : "s"} not logged (over ${STDERR_LINES} in ${STDERR_WINDOW_MS / 1000} s)`);
          windowStart = now;
          logged = 0;
          dropped = 0;
        }
        if (logged < STDERR_LINES) {
          logged++;
          deps.log.info(shown);
        } else dropped++;
      });
    }
  } else {
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
    transport = new StreamableHTTPClientTransport(new URL(config.url!), { requestInit: { headers: { ...(config.headers ?? {}) } } });
  }

  const close = async (timeoutMs: number): Promise<void> => {
    // What a transport says while being shut down ("operation aborted", an SSE stream cut) is our own doing, not the server's.
    closing = true;
    const done = new AbortController();
    await Promise.race([client.close().catch(() => undefined), deps.clock.sleep(timeoutMs, done.signal)]);
    done.abort();
    // The SDK waits 2 s before SIGTERM and 2 more before SIGKILL; a shorter deadline kills now.
    if (child && child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  };

  const timeoutMs = config.start_timeout_ms;
  const connecting = client.connect(transport, { timeout: timeoutMs, signal });
  // Protocol.connect starts the transport synchronously, so the child exists now (absent when spawn threw).
  child = childOf(transport);
  child?.once("exit", (code, sig) => (exit = { code, signal: sig }));
  const timer = new AbortController();
  const timedOut = deps.clock.sleep(timeoutMs, AbortSignal.any([timer.signal, signal])).then(() => "timeout" as const);
  try {
    const first = await Promise.race([connecting.then(() => "up" as const), timedOut]);
    if (first === "timeout") throw new Error(signal.aborted ? "stopped while starting" : `no answer to initialize within ${timeoutMs} ms`);
  } catch (err) {
    connecting.catch(() => undefined);
    await close(Math.min(timeoutMs, 2_000));
    throw new Error(startFailure(err, config, exit ? describeEnd() : null, timeoutMs, signal));
  } finally {
    timer.abort();
  }
  return { client, pid: child?.pid ?? null, ended, close, tooLarge: () => tooLarge };
}

/** Why a start failed, for people. */
function startFailure(err: unknown, config: McpServerConfig, exited: string | null, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted) return "stopped while starting";
  if ((err as NodeJS.ErrnoException)?.code === "ENOENT" && config.command) return `command not found: ${config.command[0]}`;
  if ((err as NodeJS.ErrnoException)?.code === "EACCES" && config.command) return `command not executable: ${config.command[0]}`;
  if (exited) return exited;
  if ((err as { code?: unknown })?.code === -32001) return `no answer to initialize within ${timeoutMs} ms`;
  return cut(errorMessage(err));
}

/** `text` cut to the log's line bound. */
function cut(text: string): string {
  return text.length > MAX_LOG_LINE ? `${text.slice(0, MAX_LOG_LINE)}...` : text;
}

/**
 * Call `onLine` for each line of `stream`. A line longer than the bound is cut there and the rest
 * of it dropped, so a server writing without newlines cannot grow memory.
 */
function readLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = "";
  let dropping = false;
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", start);
      const piece = chunk.slice(start, nl === -1 ? undefined : nl);
      if (!dropping) partial += piece;
      if (partial.length > MAX_LOG_LINE) {
        if (!dropping) onLine(partial.replace(/\r$/, ""));
        partial = "";
        dropping = true;
      }
      if (nl === -1) break;
      if (!dropping) onLine(partial.replace(/\r$/, ""));
      partial = "";
      dropping = false;
      start = nl + 1;
    }
  });
  stream.on("end", () => {
    if (partial && !dropping) onLine(partial);
  });
  stream.on("error", () => undefined);
}
