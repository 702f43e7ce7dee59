import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { ControlClient } from "../../src/core/control/client.ts";
import type { BosunEvent } from "../../src/core/events.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { pathsFor } from "../../src/core/paths.ts";
import { freePort, webchatTurn } from "../helpers/bosun.ts";

function gateway(port: number) {
  const home = mkdtempSync(join(tmpdir(), "bosun-gw-"));
  const loaded = parseConfig(`[agent]\nprovider = "echo"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`, "t.toml", {});
  return new Gateway({ home, loaded, env: {}, version: "test" });
}

async function startGateway(port: number) {
  const g = gateway(port);
  await g.start();
  return g;
}

describe("Gateway in-process", () => {
  test("every message and state change is an event; /v1/events streams them with a snapshot first", async () => {
    const port = await freePort();
    const g = await startGateway(port);
    try {
      const local: BosunEvent[] = [];
      g.bus.on((e) => local.push(e));
      const client = ControlClient.connect(g.paths);
      const remote: BosunEvent[] = [];
      const ac = new AbortController();
      let gotReply!: () => void;
      const replied = new Promise<void>((r) => (gotReply = r));
      const streaming = client.events((e) => {
        remote.push(e);
        if (e.type === "message.outbound") gotReply();
      }, ac.signal);
      expect(await webchatTurn(port, "conv1", "hi there")).toBe("echo: hi there");
      await replied;
      ac.abort();
      await streaming;
      expect(remote[0]!.type).toBe("snapshot");
      const kinds = remote.map((e) => e.type);
      expect(kinds).toContain("message.inbound");
      expect(kinds).toContain("message.outbound");
      expect(local.filter((e) => e.type.startsWith("message.")).map((e) => e.type)).toEqual(["message.inbound", "message.outbound"]);
      const st = await client.status();
      expect(st.adapters[0]!.lastOutboundAt).not.toBeNull();
      expect(st.gateway.uptimeMs).toBeGreaterThanOrEqual(0);
    } finally {
      await g.stop();
    }
  });

  test("stop emits stopping → adapters stopped → stopped, and removes socket, record, lock and token", async () => {
    const g = await startGateway(await freePort());
    const p = pathsFor(g.paths.home);
    expect(statSync(p.socket).mode & 0o777).toBe(0o600);
    const seq: string[] = [];
    g.bus.on((e) => {
      if (e.type === "gateway.state" && e.gateway.state) seq.push(`gateway:${e.gateway.state}`);
      if (e.type === "adapter.state") seq.push(`web:${e.adapter.state}`);
    });
    await g.stop();
    expect(seq).toEqual(["gateway:stopping", "web:stopping", "web:stopped", "gateway:stopped"]);
    for (const f of [p.socket, p.record, p.lock, p.token]) expect(existsSync(f)).toBe(false);
    expect(() => ControlClient.connect(p)).toThrow("not running");
  });

  test("a taken webchat port puts the adapter in backoff with the reason and a retry time; the gateway still runs", async () => {
    const port = await freePort();
    const blocker = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    try {
      // Full jitter may pick a delay of a few ms, after which the adapter is starting again:
      // the backoff is checked as it was announced, with its time of announcement.
      const g = gateway(port);
      const backoffs: Array<{ at: number; lastError: string | null; nextRetryAt: string | null }> = [];
      g.bus.on((e) => {
        if (e.type === "adapter.state" && e.adapter.state === "backoff") backoffs.push({ at: Date.now(), lastError: e.adapter.lastError ?? null, nextRetryAt: e.adapter.nextRetryAt ?? null });
      });
      await g.start();
      try {
        expect(g.snapshot().gateway.state).toBe("running");
        expect(backoffs.length).toBeGreaterThanOrEqual(1);
        expect(backoffs[0]!.lastError).toBeTruthy();
        expect(Date.parse(backoffs[0]!.nextRetryAt!)).toBeGreaterThanOrEqual(backoffs[0]!.at - 5);
        expect(["backoff", "starting"]).toContain(g.snapshot().adapters[0]!.state);
      } finally {
        await g.stop();
      }
    } finally {
      blocker.stop(true);
    }
  });
});
