import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { Gateway } from "../../src/core/gateway.ts";
import type { AdapterStatus } from "../../src/core/status.ts";
import { Ircd, RawIrcClient } from "../helpers/ircd.ts";
import { waitUntil } from "../helpers/wait.ts";

// Runs the irc adapter under the real supervisor (src/core/adapters/supervisor.ts, manager.ts):
// echo through a real ngircd, then a server crash, backoff, and recovery on the same port.

function ircGatewayConfig(port: number): string {
  return [
    "[agent]",
    'provider = "echo"',
    "",
    "[adapters.libera]",
    'kind = "irc"',
    `server = "127.0.0.1:${port}"`,
    'nick = "bosunbot"',
    'channels = ["#test"]',
    "backoff_initial_ms = 50",
    "backoff_max_ms = 500",
    "send_interval_ms = 50",
    "",
  ].join("\n");
}

/** Poll NAMES until `nick` is in `channel` (membership is only observable by asking). */
async function inChannel(c: RawIrcClient, channel: string, nick: string): Promise<void> {
  await waitUntil(
    async () => {
      c.send(`NAMES ${channel}`);
      const names = await c.waitFor(new RegExp(` 353 \\S+ [=*@] ${channel} :`));
      await c.waitFor(/ 366 /);
      return names.split(":").pop()!.split(" ").some((n) => n.replace(/^[~&@%+]+/, "") === nick);
    },
    `${nick} in ${channel}`,
    5_000,
  );
}

describe("irc adapter through the Gateway", () => {
  test("echo in a channel; after the server dies and comes back, the adapter reconnects within the backoff bound", async () => {
    const ircd = await Ircd.start();
    const home = mkdtempSync(join(tmpdir(), "bosun-irc-gw-"));
    const g = new Gateway({ home, loaded: parseConfig(ircGatewayConfig(ircd.port), "t.toml", {}), env: {}, version: "test", control: false });
    const states: AdapterStatus[] = [];
    g.bus.on((e) => {
      if (e.type === "adapter.state" && e.adapter.name === "libera") states.push({ ...e.adapter });
    });
    const current = () => g.snapshot().adapters.find((a) => a.name === "libera");
    const clients: RawIrcClient[] = [];
    try {
      const alice = await RawIrcClient.connect(ircd.port, "alice");
      clients.push(alice);
      await alice.join("#test");
      await g.start();
      expect(current()?.state).toBe("running");
      await alice.waitFor(/^:bosunbot!\S+ JOIN :?#test$/);
      alice.say("#test", "bosunbot: ping");
      await alice.waitFor(/^:bosunbot!\S+ PRIVMSG #test :echo: ping$/);
      expect(ircd.connections()).toBe(2);
      const restartsBefore = current()!.restarts;

      await ircd.stop("SIGKILL");
      await waitUntil(() => states.some((s) => s.state === "backoff"), "the adapter to enter backoff", 3_000);
      await ircd.restart();
      const t0 = performance.now();
      await waitUntil(() => current()?.state === "running" && current()!.restarts > restartsBefore, "the adapter to be running again", 5_000);
      // backoff_max_ms is 500: one retry interval plus a connection must be well within 3 s.
      expect(performance.now() - t0).toBeLessThan(3_000);

      const bob = await RawIrcClient.connect(ircd.port, "bob");
      clients.push(bob);
      await bob.join("#test");
      await inChannel(bob, "#test", "bosunbot");
      bob.say("#test", "bosunbot: ping again");
      await bob.waitFor(/^:bosunbot!\S+ PRIVMSG #test :echo: ping again$/);
      // Exactly one bot connection: no connection was leaked across the restarts.
      expect(ircd.connections()).toBe(2);
      for (const c of clients.splice(0)) await c.close();
      await g.stop();
      await waitUntil(() => ircd.connections() === 0, "the bot to disconnect on stop", 3_000);
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      await g.stop();
      await ircd.dispose();
    }
  });
});
