// Frames no real Discord sends must not stop the gateway: the adapter may reconnect, but the
// process lives on and answers again.
import { afterEach, expect, test } from "bun:test";
import { sandbox } from "../helpers/bosun.ts";
import { DiscordTestServer } from "../helpers/discord-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { status, upDetached } from "./exactly-once-helpers.ts";

const CHANNEL = "400000000000000004";
const GUILD = "300000000000000003";
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

test("malformed gateway frames leave the gateway running, and the channel answers after them", async () => {
  const dc = await DiscordTestServer.start();
  cleanups.push(() => dc.stop());
  dc.guilds.set(GUILD, { id: GUILD, name: "Harbour" });
  dc.channels.set(CHANNEL, { id: CHANNEL, type: 0, name: "general", guild_id: GUILD });
  const sb = sandbox();
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  sb.writeConfig(`[agent]\nprovider = "echo"\n[adapters.team]\nkind = "discord"\ntoken = "${dc.token}"\napi_root = "${dc.apiRoot}"\nbackoff_initial_ms = 50\nbackoff_max_ms = 200\nhealthy_after_ms = 200\n`);
  await upDetached(sb);
  const frames: unknown[] = ["not json", "{}", { op: 9 }, { op: 0, t: "MESSAGE_CREATE", s: 99, d: null }, { op: 0, t: "READY", s: 100, d: {} }, { op: 10, d: {} }, { op: 11 }, { op: "x" }, [1, 2], { op: 0, t: "MESSAGE_CREATE", s: 101, d: { id: 5, channel_id: null, author: "x" } }];
  for (const f of frames) {
    dc.sendRaw(f);
    await waitUntil(async () => (await status(sb)).gateway.state === "running" || null, "the gateway to be running after a hostile frame", 10_000);
  }
  await waitUntil(async () => (await status(sb)).adapters.find((a) => a.name === "team")?.state === "running" || null, "the adapter to be running again", 15_000);
  const asked = dc.push({ channelId: CHANNEL, guildId: GUILD, content: "still there?", mention: true });
  await waitUntil(() => dc.sent.find((m) => m.reference?.message_id === asked) ?? null, () => `an answer; sent ${JSON.stringify(dc.sent)}`, 15_000);
}, 60_000);
