import type { ToolResult } from "../types.ts";

/** Most characters of one tool result that go back to the model (a hostile or chatty tool cannot fill its context). */
export const MAX_RESULT_CHARS = 64_000;

/** `text` cut to `max` characters, saying so at the end. */
export function bounded(text: string, max = MAX_RESULT_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[... cut: ${text.length - max} more characters]`;
}

/** Size of base64 data in bytes, without decoding it. */
function base64Bytes(data: unknown): number {
  if (typeof data !== "string") return 0;
  const pad = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - pad);
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** One non-text content part as a short bracket the model can read ("[image image/png, 1234 bytes]"). */
function describePart(part: Record<string, unknown>): string {
  const type = str(part.type) || "unknown";
  if (type === "image" || type === "audio") return `[${type} ${str(part.mimeType) || "?"}, ${base64Bytes(part.data)} bytes]`;
  if (type === "resource") {
    const r = (part.resource ?? {}) as Record<string, unknown>;
    // An embedded text resource is text the tool meant the model to read.
    if (typeof r.text === "string") return `[resource ${str(r.uri)}]\n${r.text}`;
    return `[resource ${str(r.uri)}${r.mimeType ? ` ${str(r.mimeType)}` : ""}, ${base64Bytes(r.blob)} bytes]`;
  }
  if (type === "resource_link") return `[resource link ${str(part.uri)}${part.name ? ` (${str(part.name)})` : ""}]`;
  return `[${type} content]`;
}

/**
 * What an MCP `tools/call` result says, as one text for the model: text parts joined with "\n",
 * other parts as short brackets, structuredContent as JSON when there is no text; bounded.
 */
export function resultFromCall(result: unknown): ToolResult {
  const r = (result ?? {}) as Record<string, unknown>;
  const parts = Array.isArray(r.content) ? (r.content as unknown[]) : [];
  const lines: string[] = [];
  let hasText = false;
  for (const p of parts) {
    if (!p || typeof p !== "object") continue;
    const part = p as Record<string, unknown>;
    if (part.type === "text" && typeof part.text === "string") {
      hasText = true;
      lines.push(part.text);
    } else lines.push(describePart(part));
  }
  if (!hasText && r.structuredContent !== undefined) {
    let json: string;
    try {
      json = JSON.stringify(r.structuredContent) ?? "null";
    } catch {
      json = "[structured content that is not JSON]";
    }
    lines.unshift(json);
  }
  return { text: bounded(lines.join("\n")), isError: r.isError === true };
}
