import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { ControlClient } from "../../src/core/control/client.ts";
import type { BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { pathsFor } from "../../src/core/paths.ts";
import { reduceStatus } from "../../src/core/status-reducer.ts";
import type { Status } from "../../src/core/status.ts";
import { freePort } from "../helpers/bosun.ts";
import { ModelServer } from "../helpers/model-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { webchatTurn } from "../helpers/webchat.ts";

let server: ModelServer;
beforeAll(async () => {
  server = await ModelServer.start();
});
afterAll(async () => {
  await server.close();
});

/** A status with the one field that moves by itself (uptime, recomputed at every read) set aside. */
const settled = (s: Status): Status => ({ ...s, gateway: { ...s.gateway, uptimeMs: 0 } });

describe("the event stream folded through the reducer", () => {
  test("equals GET /v1/status after adapter restarts, messages, an install and a reload", async () => {
    const home = mkdtempSync(join(tmpdir(), "bosun-fold-"));
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const file = server.addFile(`/files/fold-${process.pid}.bin`, { size: 256 * 1024, seed: 7 });
    const custom = `[[installs.custom]]\ntarget = "whisper:fold"\nurl = "${file.url}"\nsize = ${file.size}\nsha256 = "${file.sha256}"\n`;
    const config = (adapters: string) => `[agent]\nprovider = "echo"\n${adapters}\n${custom}`;
    const web = (name: string, port: number) => `[adapters.${name}]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`;
    const loaded = parseConfig(config(web("alpha", p1) + web("beta", p2)), join(home, "bosun.toml"), {});
    const g = new Gateway({ home, loaded, env: {}, version: "test" });
    await g.start();
    const client = ControlClient.connect(pathsFor(home));
    const stream = new AbortController();
    // What an attached dashboard holds: the stream's snapshot, then every event folded in.
    let folded: Status | null = null;
    const seen: BosunEvent["type"][] = [];
    const following = client.events((e) => {
      seen.push(e.type);
      if (e.type === "snapshot") folded = e.status;
      else if (folded) folded = reduceStatus(folded, e);
    }, stream.signal);
    try {
      await waitUntil(() => folded !== null, "the stream's snapshot");

      // Restarts, and traffic (the per-adapter counts are folded from message events alone).
      await client.adapter("restart", "alpha");
      await client.adapter("restart", "alpha");
      await client.adapter("stop", "beta");
      await client.adapter("start", "beta");
      expect(await webchatTurn(p1, "c1", "hello")).toContain("hello");
      expect(await webchatTurn(p2, "c2", "there")).toContain("there");

      // An install against the test model server, to the end.
      await client.install({ targets: ["whisper:fold"] });
      await waitUntil(async () => (await client.status()).installs.some((i) => i.target === "whisper:fold" && i.state === "installed"), "the install to finish");

      // A reload that removes one adapter, changes another and adds a third.
      await g.reload(config(web("alpha", p1).replace(`kind = "webchat"`, `kind = "webchat"\ntitle = "renamed"`) + web("gamma", p3)));
      await waitUntil(async () => (await client.status()).adapters.some((a) => a.name === "gamma" && a.state === "running"), "gamma to run");

      const snapshot = async () => settled(await client.status());
      // The stream is asynchronous: give it time to catch up (a mismatch then shows as the diff below).
      await waitUntil(async () => JSON.stringify(settled(folded!)) === JSON.stringify(await snapshot()), "the folded stream to match /v1/status").catch(() => undefined);
      const now = await snapshot();
      expect(settled(folded!)).toEqual(now);
      // The sequence did what it says, so the comparison covers it.
      expect(now.adapters.map((a) => a.name)).toEqual(["alpha", "gamma"]);
      expect(now.adapters.find((a) => a.name === "alpha")).toMatchObject({ messagesIn: 1, messagesOut: 1 });
      expect(now.installs.find((i) => i.target === "whisper:fold")?.state).toBe("installed");
      for (const t of ["adapter.state", "adapter.removed", "message.inbound", "message.outbound", "install.state", "config.reloaded"] as const) expect(seen).toContain(t);
    } finally {
      stream.abort();
      await following.catch(() => undefined);
      await g.stop();
    }
  });
});
