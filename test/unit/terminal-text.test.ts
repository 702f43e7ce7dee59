import { describe, expect, test } from "bun:test";
import { formatLog, setColor } from "../../src/cli/output.ts";
import { escapeControls } from "../../src/core/util/text.ts";

const HOSTILE = "\u001b]0;PWNED\u0007\u001b[2J\r\u202e";

describe("the one escaper for text on its way to a terminal", () => {
  test("control, separator and direction characters become visible \\uXXXX; what a view keeps stays", () => {
    expect(escapeControls(`id ${HOSTILE}`)).toBe("id \\u001b]0;PWNED\\u0007\\u001b[2J\\u000d\\u202e");
    expect(escapeControls("a\u0085b\u009bc\u2028d\u2066e\u200ff")).toBe("a\\u0085b\\u009bc\\u2028d\\u2066e\\u200ff");
    expect(escapeControls("two\nlines\tand a tab\u001b", "\n\t")).toBe("two\nlines\tand a tab\\u001b");
    // Ordinary text, including non-Latin scripts and emoji, is untouched.
    expect(escapeControls("héllo wörld 你好 🙂")).toBe("héllo wörld 你好 🙂");
  });
});

describe("a foreground gateway's log line", () => {
  test("a message quoting an id with escape sequences prints them visibly; only the line's own colours are codes", () => {
    setColor(true);
    try {
      const line = formatLog("warn", `hooks${HOSTILE}`, `duplicate message id ${HOSTILE}`, "2025-06-01T12:00:00.000Z");
      const message = line.slice(line.indexOf("duplicate message id"));
      expect(message).toBe("duplicate message id \\u001b]0;PWNED\\u0007\\u001b[2J\\u000d\\u202e");
      // Anywhere in the line: only SGR colour codes (ESC [ … m) are raw escapes; no OSC, BEL, CR, clear.
      expect(line.replace(/\u001b\[\d+m/g, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    } finally {
      setColor(false);
    }
  });

  test("a stack keeps its lines, indented, so no message can pass for a record of its own", () => {
    setColor(false);
    const line = formatLog("error", "gateway", "boom\n12:00:01 INFO  [web] all is well", "2025-06-01T12:00:00.000Z");
    expect(line).toBe("12:00:00 ERROR [gateway] boom\n    12:00:01 INFO  [web] all is well");
  });
});
