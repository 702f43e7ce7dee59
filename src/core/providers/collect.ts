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
  let text = "";
  const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
  let usage: Usage | null = null;
  let finishReason: FinishReason | null = null;
  for await (const d of deltas) {
    if (d.type === "text") text += d.text;
    else if (d.type === "usage") usage = d.usage;
    else if (d.type === "finish") finishReason = d.reason;
    else {
      const call = calls.get(d.index) ?? { arguments: "" };
      if (d.id) call.id = d.id;
      if (d.name) call.name = d.name;
      call.arguments += d.arguments;
      calls.set(d.index, call);
    }
  }
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, c]): ToolCall => {
      // A nameless call cannot be run, and the model could not be told which one failed.
      if (!c.name) throw new ProviderError(`provider sent tool call ${index} without a name`, 200, null);
      return { id: c.id ?? `call_${index}`, type: "function", function: { name: c.name, arguments: c.arguments } };
    });
  return { text, toolCalls, usage, finishReason };
}

/** A provider from its `stream`: `complete` is the streamed text collected, so the two never disagree. */
export function defineProvider(p: Pick<Provider, "name" | "label" | "stream">): Provider {
  return {
    name: p.name,
    label: p.label,
    stream: (request, signal) => p.stream(request, signal),
    complete: async (messages: ChatMessage[], signal: AbortSignal) => (await collect(p.stream({ messages }, signal))).text,
  };
}
