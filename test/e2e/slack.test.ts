// The Slack channel through the real binary, against the local Web API + Socket Mode server and
// the local OpenAI-compatible server: answers in threads, refused tokens and refused replies
// shown in status, and exactly one reply per accepted message across kill -9.
import { afterEach, describe, expect, test } from "bun:test";
import { sandbox, type Sandbox } from "../helpers/bosun.ts";
import { OpenAIServer, text, type Answer } from "../helpers/openai-server.ts";
import { SlackTestServer } from "../helpers/slack-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { agentToml, down, gate, kill9, lastUser, logText, statusUntil, tally, upDetached } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

async function servers(): Promise<{ slack: SlackTestServer; ai: OpenAIServer }> {
  const slack = await SlackTestServer.start();
  const ai = await OpenAIServer.start();
  cleanups.push(() => slack.stop(), () => ai.close());
  return { slack, ai };
}

function track(sb: Sandbox): Sandbox {
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  return sb;
}

function slackToml(s: SlackTestServer, extra = "backoff_max_ms = 200\n"): string {
  return `[adapters.work]\nkind = "slack"\napp_token = "${s.appToken}"\nbot_token = "${s.botToken}"\napi_root = "${s.url}"\nbackoff_initial_ms = 50\nhealthy_after_ms = 200\n${extra}`;
}

const echo = (ai: OpenAIServer) => ai.on("m", (r): Answer => text(`echo: ${lastUser(r)}`));

describe("slack through the binary", () => {
  test("a mention is answered in its thread, a 6,000-character answer in two parts; a refused reply is dead at once; secrets stay out of the log", async () => {
    const { slack, ai } = await servers();
    echo(ai);
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url) + slackToml(slack));
    await upDetached(sb);
    await statusUntil(sb, (s) => s.adapters[0]?.state === "running", "slack running");

    const { ts } = slack.pushEvent({ text: `<@${slack.botUserId}> hi there` });
    const reply = await slack.waitForPosted((m) => m.text === "echo: hi there", 15_000);
    expect(reply).toMatchObject({ channel: "C0GENERAL", thread_ts: ts });
    await waitUntil(() => slack.envelopes.every((e) => e.ackedAt !== undefined), "acked");
    expect(slack.envelopes[0]!.ackedAt! - slack.envelopes[0]!.sentAt).toBeLessThan(1_000);

    const long = `${"x".repeat(3_500)}\n${"y".repeat(2_500)}`;
    const longTs = slack.pushEvent({ text: long }).ts;
    await waitUntil(() => slack.posted.filter((m) => m.thread_ts === longTs).length === 2, "the long answer in two parts", 15_000);
    const parts = slack.posted.filter((m) => m.thread_ts === longTs).map((m) => m.text);
    expect(parts).toEqual([`echo: ${"x".repeat(3_500)}`, "y".repeat(2_500)]);

    const sent = await sb.runAsync(["send", "work", "C0GENERAL", "from the operator"]);
    expect(sent.code).toBe(0);
    const op = await slack.waitForPosted((m) => m.text === "from the operator");
    expect([op.channel, op.thread_ts]).toEqual(["C0GENERAL", undefined]);

    slack.refusePost = (channel) => (channel === "C0GONE" ? "channel_not_found" : null);
    slack.pushEvent({ channel: "C0GONE", text: "into the void" });
    await statusUntil(sb, (s) => s.outbox.dead === 1 && s.outbox.pending === 0, "the refused reply dead");
    const tries = slack.requests.filter((r) => r.method === "chat.postMessage" && r.body.channel === "C0GONE");
    expect(tries).toHaveLength(1);
    await down(sb);
    const log = logText(sb);
    expect(log).not.toContain(slack.botToken);
    expect(log).not.toContain(slack.appToken);
  }, 60_000);

  test("a refresh loses no event sent around it; a dropped connection comes back by itself within the backoff", async () => {
    const { slack, ai } = await servers();
    echo(ai);
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url) + slackToml(slack));
    await upDetached(sb);
    await statusUntil(sb, (s) => s.adapters[0]?.state === "running", "slack running");
    const old = slack.disconnect("refresh_requested")!;
    slack.pushEvent({ text: "around the refresh" });
    await waitUntil(() => slack.conns.length === 2 && old.closed, "the next connection, the old one closed", 10_000);
    expect(old.closedBy).toBe("client");
    slack.pushEvent({ text: "after the refresh" });
    await slack.waitForPosted((m) => m.text === "echo: after the refresh");
    await slack.waitForPosted((m) => m.text === "echo: around the refresh");

    slack.drop();
    await waitUntil(() => slack.openConns.length === 1 && slack.conns.length === 3, "a new connection after the drop", 10_000);
    slack.pushEvent({ text: "after the drop" });
    await slack.waitForPosted((m) => m.text === "echo: after the drop");
    const st = await statusUntil(sb, (s) => s.adapters[0]?.state === "running", "slack running again");
    expect(st.adapters[0]!.state).toBe("running");
    await down(sb);
    expect(tally(slack.posted.map((m) => m.text))).toEqual(new Map([["echo: around the refresh", 1], ["echo: after the refresh", 1], ["echo: after the drop", 1]]));
  }, 60_000);

  test("invalid_auth shows the adapter failed with the reason and is not retried in a storm", async () => {
    const { slack, ai } = await servers();
    echo(ai);
    slack.rejectBotToken = "invalid_auth";
    const sb = track(sandbox());
    // The longest backoff is the default (60 s): a terminal error waits that long before trying again.
    sb.writeConfig(agentToml(ai.url) + slackToml(slack, ""));
    await upDetached(sb, { adapterDown: true });
    const st = await statusUntil(sb, (s) => s.adapters[0]?.state === "failed", "slack failed");
    expect((st.adapters[0] as { lastError?: string }).lastError).toBe("bot_token rejected by auth.test: invalid_auth");
    const calls = slack.requests.filter((x) => x.method === "auth.test").length;
    // A window ten times the initial backoff: a retrying adapter would have called again.
    await new Promise((res) => setTimeout(res, 1_000));
    expect(slack.requests.filter((x) => x.method === "auth.test").length).toBe(calls);
    expect(calls).toBe(1);
    expect(slack.connectionsOpened).toBe(0);
  }, 60_000);

  test("kill -9 with mentions accepted and unanswered, then up: each answered exactly once, in its thread, in order; a redelivery after up gets no second reply", async () => {
    const { slack, ai } = await servers();
    const held = gate();
    cleanups.push(() => held.open());
    const provider = { budget: 3 };
    ai.on("m", (r): Answer => {
      const reply = `echo: ${lastUser(r)}`;
      if (provider.budget === Infinity || provider.budget-- > 0) return text(reply);
      return { parts: [reply], holdBefore: 0, hold: held.promise };
    });
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 2" }) + slackToml(slack));
    await upDetached(sb);
    await statusUntil(sb, (s) => s.adapters[0]?.state === "running", "slack running");

    // Four threads: a top-level mention each, then four follow-ups in the thread.
    const pushed: Array<{ thread: string; text: string; eventId: string; ts: string; channel: string }> = [];
    const channels = ["C0GENERAL", "C0RANDOM"];
    for (let t = 0; t < 4; t++) {
      const channel = channels[t % 2]!;
      const root = slack.pushEvent({ channel, text: `t${t}-m0` });
      pushed.push({ thread: root.ts, text: `t${t}-m0`, channel, ...root });
      for (let m = 1; m <= 4; m++) {
        const e = slack.pushEvent({ channel, type: "message", thread_ts: root.ts, text: `t${t}-m${m}` });
        pushed.push({ thread: root.ts, text: `t${t}-m${m}`, channel, ...e });
      }
    }
    // Accepted: every message is in a session (four threads), three answered, two held at the provider.
    await statusUntil(sb, (s) => s.sessions.total === 4, "four thread sessions");
    await waitUntil(() => ai.requests.filter((r) => r.completed).length === 3 && ai.inFlight === 2, () => `3 answers, 2 held; ${ai.requests.length} requests, ${ai.inFlight} in flight`, 15_000);
    await waitUntil(() => slack.posted.length === 3, "three replies delivered");
    expect(slack.envelopes.every((e) => e.ackedAt !== undefined && e.ackedAt - e.sentAt < 1_000)).toBe(true);

    await kill9(sb);
    provider.budget = Infinity;
    await upDetached(sb);
    await waitUntil(() => new Set(slack.posted.map((p) => p.text)).size === pushed.length, () => `${pushed.length} answered; ${slack.posted.length} posted`, 30_000, 20);
    // Slack delivers some events again (the same event_id and ts): nothing is answered twice.
    await statusUntil(sb, (s) => s.adapters[0]?.state === "running", "slack running again");
    const envelopesBefore = slack.envelopes.length;
    for (const p of pushed.slice(0, 6)) slack.pushEvent({ channel: p.channel, eventId: p.eventId, ts: p.ts, text: p.text, type: p.ts === p.thread ? "app_mention" : "message", thread_ts: p.ts === p.thread ? undefined : p.thread });
    await waitUntil(() => slack.envelopes.length === envelopesBefore + 6 && slack.envelopes.every((e) => e.ackedAt !== undefined), "the redeliveries acked");
    await statusUntil(sb, (s) => s.outbox.pending === 0 && s.sessions.active === 0, "nothing left to deliver");
    await down(sb);

    const counts = tally(slack.posted.map((p) => p.text));
    for (const p of pushed) expect({ message: p.text, replies: counts.get(`echo: ${p.text}`) }).toEqual({ message: p.text, replies: 1 });
    expect(slack.posted).toHaveLength(pushed.length);
    for (const root of pushed.filter((p) => p.ts === p.thread)) {
      const got = slack.posted.filter((m) => m.thread_ts === root.thread).map((m) => [m.channel, m.text]);
      expect(got).toEqual(pushed.filter((p) => p.thread === root.thread).map((p) => [p.channel, `echo: ${p.text}`]));
    }
    const answers = tally(ai.requests.filter((r) => r.completed).map((r) => lastUser(r)));
    for (const p of pushed) expect({ message: p.text, answers: answers.get(p.text) }).toEqual({ message: p.text, answers: 1 });
  }, 90_000);
});
