import { expect, test } from "bun:test";
import { ControlClient } from "../../src/core/control/client.ts";
import { pathsFor } from "../../src/core/paths.ts";
import { freePort, sandbox } from "../helpers/bosun.ts";

test("an event stream from a gateway that hangs (SIGSTOP) ends after the silence bound, so a dashboard can say it is gone", async () => {
  const sb = sandbox();
  const port = await freePort();
  sb.writeConfig(`[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`);
  expect(sb.run(["up", "--detach"]).code).toBe(0);
  const pid = JSON.parse(sb.run(["status", "--json"]).stdout).gateway.pid as number;
  const ac = new AbortController();
  let snapshot!: () => void;
  const gotSnapshot = new Promise<void>((r) => (snapshot = r));
  const streaming = ControlClient.connect(pathsFor(sb.home)).events((e) => {
    if (e.type === "snapshot") snapshot();
  }, ac.signal, 600);
  try {
    await gotSnapshot;
    process.kill(pid, "SIGSTOP");
    const t0 = Date.now();
    await streaming;
    // Ended by the silence bound, not by the test's abort or the gateway (which cannot run).
    expect(ac.signal.aborted).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
  } finally {
    process.kill(pid, "SIGCONT");
    ac.abort();
    sb.run(["down"]);
  }
});
