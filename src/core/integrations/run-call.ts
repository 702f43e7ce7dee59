import type { ConsolaInstance } from "consola";
import { errorMessage } from "../errors.ts";
import { MAX_ARGUMENT_CHARS } from "../providers/collect.ts";
import type { ToolCall } from "../providers/types.ts";
import type { Clock } from "../util/clock.ts";
import type { Slot } from "./slot.ts";
import type { OfferedTool, ToolResult, ToolStep } from "./types.ts";
import { argumentProblem } from "./validate.ts";

/** What of a call's arguments the transcript keeps. */
const MAX_STORED_ARGUMENTS = 4_000;
/** What of a result goes back to the model (and into the transcript). */
export const MAX_RESULT_CHARS = 16_000;
/** A name the model made up is kept this long at most. */
const MAX_NAME = 200;
/** Past the source's own call timeout, the hub stops waiting anyway (a source that ignores its timeout). */
const GRACE_MS = 2_000;

export interface RunDeps {
  slots: ReadonlyMap<string, Slot>;
  clock: Clock;
  redact: (text: string) => string;
  log: ConsolaInstance;
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}\n[cut at ${max} characters]` : text);

/**
 * Run one tool call the model made, against the list it was offered. Never throws: an unknown
 * name, arguments that are not JSON or do not fit the tool's schema, a source that went down and
 * a timeout all become error results the model reads (and can correct), and the tool is not
 * called for the first three. What the step keeps is redacted: a tool may return a secret.
 */
export async function runCall(call: ToolCall, offered: readonly OfferedTool[], d: RunDeps, signal: AbortSignal): Promise<ToolStep> {
  const started = d.clock.monotonic();
  const name = call.function.name;
  const tool = offered.find((t) => t.definition.function.name === name);
  // Redacted before cut: a secret across the cut would no longer be recognised.
  const step = (source: string | null, r: ToolResult): ToolStep => ({
    name: cut(name, MAX_NAME),
    source,
    arguments: cut(d.redact(call.function.arguments), MAX_STORED_ARGUMENTS),
    result: cut(d.redact(r.text), MAX_RESULT_CHARS),
    isError: r.isError,
    durationMs: Math.round(d.clock.monotonic() - started),
  });
  if (!tool) {
    const names = offered.map((t) => t.definition.function.name);
    return step(null, { isError: true, text: `No tool named ${JSON.stringify(name.slice(0, 100))} is offered. Offered: ${names.slice(0, 50).join(", ") || "none"}.` });
  }
  // The stream's accumulator stops at MAX_ARGUMENT_CHARS: what reached it is cut, not malformed.
  if (call.function.arguments.length >= MAX_ARGUMENT_CHARS) {
    return step(tool.source, { isError: true, text: `The arguments are too large (over ${MAX_ARGUMENT_CHARS} characters); the tool was not called. Send smaller arguments.` });
  }
  let args: unknown;
  const raw = call.function.arguments.trim();
  try {
    args = raw === "" ? {} : JSON.parse(raw);
  } catch (err) {
    return step(tool.source, { isError: true, text: `The arguments are not valid JSON (${errorMessage(err).slice(0, 120)}); send a JSON object matching the tool's parameters.` });
  }
  if (args === null || typeof args !== "object" || Array.isArray(args)) return step(tool.source, { isError: true, text: "The arguments must be a JSON object matching the tool's parameters." });
  const problem = argumentProblem(tool.definition.function.parameters ?? {}, args);
  if (problem) return step(tool.source, { isError: true, text: `${problem}. The tool was not called; fix the arguments and call it again.` });
  const slot = d.slots.get(tool.source);
  if (!slot) return step(tool.source, { isError: true, text: `The tool's source ${tool.source} is no longer configured.` });
  const h = slot.source.health();
  if (slot.source.kind === "mcp" && h.state !== "running") {
    return step(tool.source, { isError: true, text: `The tool's MCP server ${tool.source} is ${h.state === "starting" ? "starting" : `down (${h.state})`}${h.lastError ? `: ${h.lastError}` : ""}; the call was not made.` });
  }
  const stop = new AbortController();
  const backstop = slot.callTimeoutMs + GRACE_MS;
  let result: ToolResult;
  try {
    result = await Promise.race([
      slot.source.call(tool.name, args as Record<string, unknown>, AbortSignal.any([signal, stop.signal])),
      d.clock.sleep(backstop, stop.signal).then((): ToolResult => ({ isError: true, text: `The tool ${name} did not answer within ${slot.callTimeoutMs} ms.` })),
    ]);
  } catch (err) {
    // A source must not throw; one that does still gives the model an answer.
    result = { isError: true, text: `The tool ${name} failed: ${errorMessage(err)}` };
  } finally {
    stop.abort();
  }
  const s = step(tool.source, result);
  d.log.info(`tool ${tool.source}/${tool.name} ${s.isError ? "failed" : "ran"} in ${s.durationMs} ms`);
  return s;
}
