import { ProviderError, type ChatMessage, type FinishReason, type Provider, type ProviderDelta, type ToolCall, type Usage } from "./types.ts";

/** A reply gathered whole from its deltas. */
export interface CollectedReply {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage | null;
  finishReason: FinishReason | null;
}

/**
 * Gather a reply's deltas: text concatenated, tool-call fragments merged by index (id and name
 * from whichever fragment carries them, arguments appended), the last usage and finish reason.
 */
export async function collect(deltas: AsyncIterable<ProviderDelta>): Promise<CollectedReply> {
  if (deltas instanceof KnownDeltas) return fold(deltas.list);
  const all: ProviderDelta[] = [];
  for await (const d of deltas) all.push(d);
  return fold(all);
}

/**
 * A stream whose deltas are all known when it is asked for (no network, no model): an
 * AsyncIterable like any other for whoever streams it, which `collect` folds without awaiting
 * each delta. A class, not an object literal, so making one allocates no closures.
 */
export class KnownDeltas implements AsyncIterable<ProviderDelta> {
  constructor(readonly list: readonly ProviderDelta[]) {}
  async *[Symbol.asyncIterator](): AsyncGenerator<ProviderDelta> {
    yield* this.list;
  }
}

/** The deltas folded into a reply (text concatenated, tool-call fragments merged by index, the last usage and finish reason). */
function fold(deltas: readonly ProviderDelta[]): CollectedReply {
  let text = "";
  let calls: ToolCallParts | null = null;
  let usage: Usage | null = null;
  let finishReason: FinishReason | null = null;
  for (let i = 0; i < deltas.length; i++) {
    const d = deltas[i]!;
    if (d.type === "text") text += d.text;
    else if (d.type === "usage") usage = d.usage;
    else if (d.type === "finish") finishReason = d.reason;
    else (calls ??= new ToolCallParts()).add(d);
  }
  return { text, toolCalls: calls ? calls.calls() : [], usage, finishReason };
}

/** A tool call's argument text is kept up to this many characters. */
export const MAX_ARGUMENT_CHARS = 1_000_000;

/**
 * Streamed tool-call fragments merged by `index` (the one accumulator: collect and the provider
 * chain both fold with it): `id` and `name` from whichever fragment carries them, `arguments`
 * appended; a missing (or null) field is the same as an absent one.
 */
/** Tool calls kept of one reply; more are dropped (no model sensibly asks for more at once). */
export const MAX_CALLS = 128;

export class ToolCallParts {
  #calls = new Map<number, { id?: string; name?: string; arguments: string }>();
  add(d: Extract<ProviderDelta, { type: "tool_call" }>): void {
    let call = this.#calls.get(d.index);
    if (!call) {
      // A runaway stream of new call indexes cannot fill memory (or the next request with answers) either.
      if (this.#calls.size >= MAX_CALLS) return;
      this.#calls.set(d.index, (call = { arguments: "" }));
    }
    if (d.id) call.id = d.id;
    if (d.name) call.name = d.name;
    // A runaway stream of argument text cannot fill memory; arguments cut there are invalid JSON, which the ToolBox answers as an error.
    if (d.arguments && call.arguments.length < MAX_ARGUMENT_CHARS) call.arguments += d.arguments.slice(0, MAX_ARGUMENT_CHARS - call.arguments.length);
  }
  /** The calls in index order. Throws a ProviderError for a call that never got a name. */
  calls(): ToolCall[] {
    const ids = new Set<string>();
    return [...this.#calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]): ToolCall => {
        // A nameless call cannot be run, and the model could not be told which one failed.
        if (!c.name) throw new ProviderError(`provider sent tool call ${index} without a name`, 200, null);
        // Each answer names its call by id: two calls with one id would leave the provider unable to tell them apart.
        let id = c.id ?? `call_${index}`;
        if (ids.has(id)) id = `${id}_${index}`;
        ids.add(id);
        return { id, type: "function", function: { name: c.name, arguments: c.arguments } };
      });
  }
}

/** A provider from its `stream`: `complete` is the streamed text collected, so the two never disagree. */
export function defineProvider(p: Pick<Provider, "name" | "label" | "model" | "stream">): Provider {
  return {
    name: p.name,
    label: p.label,
    model: p.model,
    stream: (request, signal) => p.stream(request, signal),
    // A stream known whole (the echo provider's) is folded on the spot: no await per delta and no
    // promise for collect; in the gateway's first thousand messages those were ~5 µs of a turn.
    complete: (messages: ChatMessage[], signal: AbortSignal) => {
      try {
        const deltas = p.stream({ messages }, signal);
        return deltas instanceof KnownDeltas ? Promise.resolve(fold(deltas.list).text) : collect(deltas).then((r) => r.text);
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
