import { expect, test } from "bun:test";
import { serve } from "../../src/core/platform/index.ts";
import { freePort } from "../helpers/bosun.ts";

test("a second server on a port already in use is refused, not silently sharing it", async () => {
  const port = await freePort();
  const first = await serve({ hostname: "127.0.0.1", port, fetch: () => new Response("first") });
  try {
    await expect(serve({ hostname: "127.0.0.1", port, fetch: () => new Response("second") })).rejects.toThrow();
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("first");
  } finally {
    await first.stop();
  }
});
