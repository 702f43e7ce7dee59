import { expect, test } from "bun:test";
import { MAX_RESULT_CHARS, resultFromCall } from "../../src/core/integrations/mcp/result.ts";

test("an MCP call result reads as one text for the model, whatever its parts", () => {
  const r = resultFromCall({
    isError: true,
    content: [
      { type: "text", text: "a" },
      { type: "audio", mimeType: "audio/wav", data: "AAAA" },
      { type: "resource", resource: { uri: "file:///b.bin", mimeType: "application/octet-stream", blob: "AAAAAA==" } },
      { type: "resource_link", uri: "file:///c", name: "c" },
      { type: "hologram" },
      null,
      "not a part",
    ],
  });
  expect(r).toEqual({ isError: true, text: "a\n[audio audio/wav, 3 bytes]\n[resource file:///b.bin application/octet-stream, 4 bytes]\n[resource link file:///c (c)]\n[hologram content]" });
});

test("structured content is the text only when there is no text part", () => {
  expect(resultFromCall({ content: [{ type: "text", text: "t" }], structuredContent: { a: 1 } }).text).toBe("t");
  expect(resultFromCall({ content: [{ type: "image", mimeType: "image/png", data: "" }], structuredContent: { a: 1 } }).text).toBe('{"a":1}\n[image image/png, 0 bytes]');
  expect(resultFromCall({ structuredContent: { big: 10n } }).text).toBe("[structured content that is not JSON]");
});

test("garbage from a server is an empty text, and a long text is cut with a marker", () => {
  expect(resultFromCall(undefined)).toEqual({ text: "", isError: false });
  expect(resultFromCall({ content: "nope", isError: "yes" })).toEqual({ text: "", isError: false });
  const long = resultFromCall({ content: [{ type: "text", text: "z".repeat(MAX_RESULT_CHARS + 10) }] }).text;
  expect(long).toBe(`${"z".repeat(MAX_RESULT_CHARS)}\n[... cut: 10 more characters]`);
});
