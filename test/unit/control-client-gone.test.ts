import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ControlClient } from "../../src/core/control/client.ts";
import { BosunError } from "../../src/core/errors.ts";

test("a gateway that goes away with a request in hand is reported as stopped (exit 4), not as a bug", async () => {
  const socket = join(mkdtempSync(join(tmpdir(), "bosun-gone-")), "control.sock");
  // Reads the request, then drops the connection without an answer: what a kill -9 mid-transcription looks like.
  const server = createServer((c) => c.once("data", () => c.resetAndDestroy()));
  await new Promise<void>((r) => server.listen(socket, r));
  try {
    const err = await new ControlClient(socket, "t").transcribe({ audio: { bytes: new Uint8Array(64) } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BosunError);
    const e = err as BosunError;
    expect(e.code).toBe("not_running");
    expect(e.message).toBe("the gateway stopped before it answered");
    expect(e.exitCode).toBe(4);
  } finally {
    server.close();
  }
});
