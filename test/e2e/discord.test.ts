// The Discord channel through the real binary: a local gateway + REST server, the local
// OpenAI-compatible server, and kill -9 with messages accepted and unanswered.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stateFileName } from "../../src/core/adapters/state-file.ts";
import { sandbox, type Sandbox } from "../helpers/bosun.ts";
import { DiscordTestServer } from "../helpers/discord-server.ts";
import { OpenAIServer, text, type Answer } from "../helpers/openai-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { agentToml, down, gate, kill9, lastUser, logText, status, statusUntil, tally, upDetached } from "./exactly-once-helpers.ts";

const GUILD = "300000000000000003";
const CHANNEL = "400000000000000004";
const DMS = ["500000000000000005", "500000000000000006"];

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

async function discordServer(): Promise<DiscordTestServer> {
  const dc = await DiscordTestServer.start();
  dc.guilds.set(GUILD, { id: GUILD, name: "Harbour" });
  dc.channels.set(CHANNEL, { id: CHANNEL, type: 0, name: "general", guild_id: GUILD });
  for (const id of DMS) dc.channels.set(id, { id, type: 1, recipients: [{ id: "700000000000000007", username: "alice" }] });
  cleanups.push(() => dc.stop());
  return dc;
}

function discordToml(dc: DiscordTestServer, extra = ""): string {
  return `[adapters.team]\nkind = "discord"\ntoken = "${dc.token}"\napi_root = "${dc.apiRoot}"\nbackoff_initial_ms = 50\nbackoff_max_ms = 200\nhealthy_after_ms = 200\n${extra}`;
}

function track(sb: Sandbox): Sandbox {
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  return sb;
}

describe("discord through the binary", () => {
  test("a mention is answered in its channel, a DM privately, an unmentioned message not, bosun send posts to a channel; disallowed intents (4014) show failed", async () => {
    const dc = await discordServer();
    const sb = track(sandbox());
    sb.writeConfig(`[agent]\nprovider = "echo"\n[gateway]\nshutdown_timeout_ms = 3000\n` + discordToml(dc));
    await upDetached(sb);
    dc.push({ channelId: CHANNEL, guildId: GUILD, content: "not for you" });
    const asked = dc.push({ channelId: CHANNEL, guildId: GUILD, content: "hello bot", mention: true });
    const dm = dc.push({ channelId: DMS[0]!, content: "psst" });
    await waitUntil(() => dc.sent.length >= 2, () => `two replies; sent ${JSON.stringify(dc.sent)}`, 15_000);
    expect(dc.sent.find((m) => m.reference?.message_id === asked)).toMatchObject({ channelId: CHANNEL, content: "echo: hello bot" });
    expect(dc.sent.find((m) => m.reference?.message_id === dm)).toMatchObject({ channelId: DMS[0], content: "echo: psst" });
    const st = await status(sb);
    expect(st.adapters.find((a) => a.name === "team")?.state).toBe("running");
    // bosun send posts to a channel id.
    const sent = await sb.runAsync(["send", "team", CHANNEL, "an announcement"], { timeoutMs: 15_000 });
    expect(sent.code).toBe(0);
    expect(dc.sent.at(-1)).toMatchObject({ channelId: CHANNEL, content: "an announcement", enforceNonce: true });
    expect(dc.sent.at(-1)!.reference).toBeUndefined();
    await down(sb);
    expect(dc.sent).toHaveLength(3);

    // A bot whose Message Content intent is not enabled (4014): failed, with the reason, no retry storm.
    dc.closeOnIdentify = 4014;
    const identifies = dc.identifies;
    const sb2 = track(sandbox());
    sb2.writeConfig(`[agent]\nprovider = "echo"\n[gateway]\nshutdown_timeout_ms = 3000\n` + discordToml(dc).replace("backoff_max_ms = 200", "backoff_max_ms = 30000"));
    await upDetached(sb2, { adapterDown: true });
    const failed = await statusUntil(sb2, (s) => s.adapters.some((a) => a.name === "team" && a.state === "failed"), "team failed");
    expect(JSON.stringify(failed)).toContain("4014");
    expect(JSON.stringify(failed)).toContain("Message Content intent");
    expect(JSON.stringify(failed)).not.toContain(dc.token);
    // Several initial backoffs (50 ms) long: a fatal close retried like a passing fault would identify again.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(dc.identifies - identifies).toBe(1);
    expect(logText(sb2)).not.toContain(dc.token);
  });

  test("kill -9 with messages accepted and unanswered, then up: each is answered exactly once", async () => {
    const dc = await discordServer();
    const ai = await OpenAIServer.start();
    cleanups.push(() => ai.close());
    const held = gate();
    cleanups.push(() => held.open());
    const provider = { open: false };
    ai.on("m", (r): Answer => {
      const reply = `echo: ${lastUser(r)}`;
      if (provider.open || r.n < 3) return text(reply);
      return { parts: [reply], holdBefore: 0, hold: held.promise };
    });
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 3" }) + discordToml(dc));
    await upDetached(sb);

    const pushed: string[] = [];
    const targets = [CHANNEL, ...DMS];
    for (let i = 0; i < 12; i++) {
      const channelId = targets[i % targets.length]!;
      const guild = channelId === CHANNEL ? { guildId: GUILD, mention: true } : {};
      pushed.push(dc.push({ channelId, content: `m${i}`, ...guild }));
    }
    const lastSeq = dc.seq;
    // Accepted: the stored session sequence only passes a message once the gateway has stored it.
    const stateFile = join(sb.home, "state", "adapters", stateFileName("team"));
    const storedSeq = () => (existsSync(stateFile) ? ((JSON.parse(readFileSync(stateFile, "utf8")) as { sessions: Array<{ sequence: number }> }).sessions[0]?.sequence ?? 0) : 0);
    await waitUntil(() => storedSeq() >= lastSeq, () => `every message accepted; stored sequence ${storedSeq()} of ${lastSeq}`, 15_000);
    await waitUntil(() => ai.requests.length >= 6 && ai.inFlight === 3, () => `3 answers and 3 held turns; requests ${ai.requests.length}, in flight ${ai.inFlight}`, 15_000);
    await waitUntil(() => dc.sent.length === 3, () => `the answered replies delivered; sent ${dc.sent.length}`, 15_000);
    const sentBefore = dc.sent.length;

    await kill9(sb);
    provider.open = true;
    await upDetached(sb);
    await waitUntil(() => new Set(dc.sent.map((m) => m.reference?.message_id)).size >= 12, () => `every message answered; sent ${dc.sent.length}`, 30_000);
    await statusUntil(sb, (s) => s.outbox.pending === 0 && s.sessions.active === 0, "nothing owed");
    await down(sb);
    const byMessage = tally(dc.sent.map((m) => m.reference?.message_id ?? "none"));
    for (const id of pushed) expect(byMessage.get(id)).toBe(1);
    expect(dc.sent).toHaveLength(12);
    expect(sentBefore).toBe(3);
    // The restarted gateway resumed the stored session rather than identifying again.
    expect(dc.identifies).toBe(1);
    for (const m of dc.sent) expect(m.content).toBe(`echo: m${pushed.indexOf(m.reference!.message_id!)}`);
  });
});
