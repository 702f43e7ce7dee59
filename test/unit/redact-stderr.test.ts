import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import { redactStderr } from "../../src/cli/redact-stderr.ts";
import { Redactor } from "../../src/core/util/redact.ts";

describe("redactStderr", () => {
  test("strings, bytes (a character split across writes), other encodings and console.error reach the stream redacted; undo restores", async () => {
    const got: string[] = [];
    const stream = new Writable({ write: (chunk, _enc, cb) => (got.push(String(chunk)), cb()) }) as unknown as NodeJS.WriteStream;
    const r = new Redactor();
    r.set(["s3cr€t-value"]);
    const undo = redactStderr((t) => r.apply(t), stream);
    let written!: Promise<void>;
    try {
      written = new Promise((done) => stream.write("a s3cr€t-value\n", () => done()));
      const bytes = Buffer.from("b €5 s3cr€t-value\n");
      const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of the first "€"
      stream.write(bytes.subarray(0, cut));
      stream.write(bytes.subarray(cut));
      stream.write(Buffer.from("c s3cr€t-value\n").toString("base64"), "base64");
      console.error("d", "s3cr€t-value");
    } finally {
      undo();
    }
    stream.write("after s3cr€t-value");
    expect(got.join("")).toBe("a [redacted]\nb €5 [redacted]\nc [redacted]\nd [redacted]\nafter s3cr€t-value");
    await written; // the caller's callback still runs
  });
});
