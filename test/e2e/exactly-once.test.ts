// Issue 10's acceptance against the real binary: every accepted message is answered exactly once
// across kill -9 and restart, on a push channel (Telegram) and on webhook, also when the channel
// is down at restart; failed deliveries stay pending and end dead, visibly.
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { OpenAIServer, text, type Answer } from "../helpers/openai-server.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import {
  agentToml,
  down,
  gate,
  kill9,
  lastUser,
  logText,
  postWebhook,
  status,
  statusUntil,
  tally,
  telegramToml,
  upDetached,
  webhookToml,
  type WebhookAnswer,
} from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

async function servers(): Promise<{ tg: TelegramTestServer; ai: OpenAIServer }> {
  const tg = await TelegramTestServer.start();
  const ai = await OpenAIServer.start();
  cleanups.push(() => tg.stop(), () => ai.close());
  return { tg, ai };
}

function track(sb: Sandbox): Sandbox {
  // A gateway left running by a failed test is stopped (or is gone already after a kill -9).
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  return sb;
}

/**
 * The provider for the crash tests: the first `immediate` requests are answered at once, the
 * others are held until after the kill (their turns are in flight when the gateway dies); once
 * `open` is set every request is answered at once. Answers are "echo: <message>".
 */
function crashProvider(ai: OpenAIServer, immediate: number) {
  const held = gate();
  cleanups.push(() => held.open());
  const state = { open: false };
  ai.on("m", (r): Answer => {
    const reply = `echo: ${lastUser(r)}`;
    if (state.open || r.n < immediate) return text(reply);
    return { parts: [reply], holdBefore: 0, hold: held.promise };
  });
  return state;
}

const CHATS = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010];
/** Replies to these chats fail with 502 before the crash: stored, not delivered, when it comes. */
const REFUSED = new Set([1009, 1010]);

/**
 * 100 messages over 10 chats reach the gateway and are accepted (the update offset confirmed);
 * a few are answered and delivered, a few answered but their delivery fails, four turns are in
 * flight at the provider and the rest wait; then kill -9. `bosun up` again (with Telegram
 * unreachable at first when `downAtRestart`): every message gets exactly one reply.
 */
async function pushChannelCrash(downAtRestart: boolean): Promise<void> {
  const { tg, ai } = await servers();
  const provider = crashProvider(ai, 10);
  const sb = track(sandbox());
  sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 4", gateway: "outbox_max_attempts = 50" }) + telegramToml(tg));
  await upDetached(sb);

  tg.refuseSend = (chatId) => (REFUSED.has(chatId) ? { code: 502, description: "Bad Gateway" } : null);
  const pushed: Array<{ chatId: number; messageId: number; text: string }> = [];
  for (let i = 0; i < 100; i++) {
    const chatId = CHATS[i % CHATS.length]!;
    const t = `c${chatId}-m${Math.floor(i / CHATS.length)}`;
    pushed.push({ chatId, text: t, messageId: tg.pushMessage({ chatId, text: t }).messageId });
  }
  // Accepted: Telegram was told (offset) that all 100 updates are taken.
  await waitUntil(() => tg.unconfirmed.length === 0, () => `all updates confirmed; unconfirmed ${tg.unconfirmed.length}`, 15_000);
  // Ten answered, four held at the provider.
  await waitUntil(() => ai.requests.length === 14 && ai.inFlight === 4, () => `10 answers and 4 held turns; requests ${ai.requests.length}, in flight ${ai.inFlight}`);
  const answered = ai.requests.filter((r) => r.completed).map((r) => lastUser(r));
  expect(answered).toHaveLength(10);
  const chatOf = (t: string) => Number(/^c(\d+)-/.exec(t)![1]);
  const refusedAnswers = answered.filter((t) => REFUSED.has(chatOf(t))).length;
  // Every delivered reply is recorded as sent, the refused ones are pending: no delivery is
  // between the platform taking it and the store recording it (the one window a crash may duplicate).
  await waitUntil(() => tg.sent.length === 10 - refusedAnswers, () => `the answered replies delivered; sent ${tg.sent.length}`);
  await statusUntil(sb, (s) => s.outbox.pending === refusedAnswers && s.outbox.dead === 0, `${refusedAnswers} replies pending`);
  const sentBefore = tg.sent.length;
  expect(sentBefore).toBeLessThan(50); // most messages are still unanswered at the crash

  await kill9(sb);
  // The crashed gateway's store still tells what it owes.
  const crashed = await status(sb);
  expect(crashed.gateway.state).toBe("crashed");
  expect(crashed.outbox).toEqual({ pending: refusedAnswers, dead: 0 });
  expect(crashed.sessions.total).toBe(10);
  provider.open = true;
  tg.refuseSend = null;
  if (downAtRestart) await tg.pause();
  await upDetached(sb, { adapterDown: downAtRestart });
  if (downAtRestart) {
    // While Telegram is unreachable the gateway answers what it owes and keeps the replies.
    await waitUntil(() => ai.requests.filter((r) => r.completed).length >= 100, "every message answered by the provider", 15_000);
    await statusUntil(sb, (s) => s.outbox.pending === 100 - sentBefore && s.sessions.active === 0, "every reply stored and waiting for Telegram");
    expect(tg.sent.length).toBe(sentBefore);
    tg.resume();
  }

  const replyKey = (chatId: number, messageId: number | undefined) => `${chatId}/${messageId}`;
  await waitUntil(
    () => pushed.every((p) => tg.sent.some((s) => replyKey(s.chatId, s.replyToMessageId) === replyKey(p.chatId, p.messageId))),
    () => `a reply to each of the 100 messages; ${new Set(tg.sent.map((s) => replyKey(s.chatId, s.replyToMessageId))).size} answered`,
    30_000,
    20,
  );
  await statusUntil(sb, (s) => s.outbox.pending === 0 && s.sessions.active === 0, "nothing left to deliver");
  await down(sb);

  // Exactly one reply per message, each the answer to that message, and nothing else was sent.
  const counts = tally(tg.sent.map((s) => replyKey(s.chatId, s.replyToMessageId)));
  for (const p of pushed) expect({ message: p.text, replies: counts.get(replyKey(p.chatId, p.messageId)) }).toEqual({ message: p.text, replies: 1 });
  expect(tg.sent).toHaveLength(100);
  for (const s of tg.sent) {
    const p = pushed.find((x) => x.chatId === s.chatId && x.messageId === s.replyToMessageId)!;
    expect(s.text).toBe(`echo: ${p.text}`);
  }
  // In order per conversation, also where the first replies waited in the outbox across the crash.
  for (const chatId of CHATS) {
    const order = tg.sent.filter((s) => s.chatId === chatId).map((s) => s.replyToMessageId);
    expect({ chatId, order }).toEqual({ chatId, order: pushed.filter((p) => p.chatId === chatId).map((p) => p.messageId) });
  }
  // The provider answered each message once: only the four turns cut by the crash ran twice.
  const completed = tally(ai.requests.filter((r) => r.completed).map((r) => lastUser(r)));
  for (const p of pushed) expect({ message: p.text, answers: completed.get(p.text) }).toEqual({ message: p.text, answers: 1 });
}

describe("exactly once across kill -9 (push channel: Telegram)", () => {
  test("100 accepted messages, kill -9 with most unanswered: after up, each gets exactly one reply", async () => {
    await pushChannelCrash(false);
  }, 90_000);

  test("the same with Telegram unreachable at restart: the replies wait in the outbox and are delivered once it is back", async () => {
    await pushChannelCrash(true);
  }, 90_000);
});

describe("exactly once across two crashes and a lost offset (Telegram)", () => {
  test("kill -9, up, kill -9 again in the middle of the recovery, then up with the offset lost and every update delivered again: still exactly one reply each, in order", async () => {
    const { tg, ai } = await servers();
    // `budget` answers go out at once, the rest are held until the next phase.
    const held = gate();
    cleanups.push(() => held.open());
    const provider = { budget: 10 };
    ai.on("m", (r): Answer => {
      const reply = `echo: ${lastUser(r)}`;
      if (provider.budget === Infinity || provider.budget-- > 0) return text(reply);
      return { parts: [reply], holdBefore: 0, hold: held.promise };
    });
    const completed = () => ai.requests.filter((r) => r.completed).length;
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 4" }) + telegramToml(tg));
    await upDetached(sb);
    const pushed = Array.from({ length: 100 }, (_, i) => {
      const chatId = CHATS[i % CHATS.length]!;
      const t = `c${chatId}-m${Math.floor(i / CHATS.length)}`;
      return { chatId, text: t, messageId: tg.pushMessage({ chatId, text: t }).messageId };
    });
    const settled = async (answers: number) => {
      await waitUntil(() => completed() === answers && ai.inFlight === 4, () => `${answers} answers, 4 held; ${completed()} answers, ${ai.inFlight} held`, 15_000);
      await waitUntil(() => tg.sent.length === answers, () => `${answers} replies delivered; ${tg.sent.length}`);
      await statusUntil(sb, (s) => s.outbox.pending === 0, "every made reply recorded as sent");
    };
    await waitUntil(() => tg.unconfirmed.length === 0, "all 100 updates confirmed", 15_000);
    await settled(10);
    await kill9(sb);

    // The recovery answers 30 more, then the gateway dies again with four of its turns in flight.
    provider.budget = 30;
    await upDetached(sb);
    await settled(40);
    await kill9(sb);

    // The adapter's offset is lost and Telegram serves all 100 updates again.
    const stateDir = join(sb.home, "state", "adapters");
    const offsetFiles = readdirSync(stateDir).filter((f) => f.startsWith("tg_"));
    expect(offsetFiles).toHaveLength(1);
    rmSync(join(stateDir, offsetFiles[0]!));
    tg.redeliverAll();
    expect(tg.unconfirmed).toHaveLength(100);
    provider.budget = Infinity;
    const requestsBefore = tg.requests.length;
    await upDetached(sb);
    await waitUntil(() => tg.unconfirmed.length === 0, "the redelivered updates confirmed", 15_000);
    // They reached the gateway again: it polled from the start.
    const polls = tg.requests.slice(requestsBefore).filter((r) => r.method === "getUpdates");
    expect(polls[0]!.params.offset === undefined || Number(polls[0]!.params.offset) === 0).toBe(true);
    await waitUntil(() => new Set(tg.sent.map((s) => `${s.chatId}/${s.replyToMessageId}`)).size === 100, () => `100 answered; ${tg.sent.length} sent`, 30_000);
    await statusUntil(sb, (s) => s.outbox.pending === 0 && s.sessions.active === 0, "nothing left to deliver");
    await down(sb);

    expect(tg.sent).toHaveLength(100);
    for (const chatId of CHATS) {
      const got = tg.sent.filter((s) => s.chatId === chatId).map((s) => [s.replyToMessageId, s.text]);
      expect({ chatId, got }).toEqual({ chatId, got: pushed.filter((p) => p.chatId === chatId).map((p) => [p.messageId, `echo: ${p.text}`]) });
    }
    const answers = tally(ai.requests.filter((r) => r.completed).map((r) => lastUser(r)));
    for (const p of pushed) expect({ message: p.text, answers: answers.get(p.text) }).toEqual({ message: p.text, answers: 1 });
  }, 90_000);
});

describe("exactly once across a clean stop (Telegram)", () => {
  test("bosun down with turns running and messages waiting: no 'cancelled' reply goes out; after up --restore each message gets exactly one answer", async () => {
    const { tg, ai } = await servers();
    const provider = crashProvider(ai, 0);
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 2" }) + telegramToml(tg));
    await upDetached(sb);
    const pushed = Array.from({ length: 20 }, (_, i) => {
      const chatId = CHATS[i % 4]!;
      const t = `stop-${i}`;
      return { chatId, text: t, messageId: tg.pushMessage({ chatId, text: t }).messageId };
    });
    await waitUntil(() => tg.unconfirmed.length === 0 && ai.inFlight === 2, () => `accepted, two turns running; unconfirmed ${tg.unconfirmed.length}, in flight ${ai.inFlight}`, 15_000);
    await down(sb);
    expect(tg.sent).toHaveLength(0);
    provider.open = true;
    // A chosen stop's sessions are held at the next start until restored (restore.test.ts).
    const up = await sb.runAsync(["up", "--detach", "--restore"], { timeoutMs: 30_000 });
    expect(up.code).toBe(0);
    await waitUntil(() => tg.sent.length >= 20, () => `20 replies; ${tg.sent.length}`, 15_000);
    await statusUntil(sb, (s) => s.outbox.pending === 0 && s.sessions.active === 0, "nothing left to deliver");
    await down(sb);
    expect(tg.sent).toHaveLength(20);
    const byReply = new Map(tg.sent.map((s) => [`${s.chatId}/${s.replyToMessageId}`, s.text]));
    for (const p of pushed) expect(byReply.get(`${p.chatId}/${p.messageId}`)).toBe(`echo: ${p.text}`);
  }, 60_000);
});

describe("exactly once across kill -9 (webhook)", () => {
  test("100 waiting requests, kill -9: the client's retries each get the one answer, the provider answered each message once", async () => {
    const { ai } = await servers();
    const provider = crashProvider(ai, 20);
    const port = await freePort();
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 4" }) + webhookToml(port));
    await upDetached(sb);

    const msgs = Array.from({ length: 100 }, (_, i) => ({ id: `req-${i}`, conversation: `conv-${i}`, text: `question number ${i}` }));
    const first: Array<WebhookAnswer | null | undefined> = new Array(100);
    const inFlight = msgs.map((m, i) => postWebhook(port, m).then((a) => (first[i] = a)));
    // Accepted: one session per conversation exists once its request is stored.
    await statusUntil(sb, (s) => s.sessions.total === 100, "all 100 requests stored");
    await waitUntil(() => ai.requests.length === 24 && ai.inFlight === 4, () => `20 answers and 4 held turns; requests ${ai.requests.length}, in flight ${ai.inFlight}`);
    await waitUntil(() => first.filter((a) => a?.status === 200).length === 20, "the 20 answered requests to get their replies");
    await kill9(sb);
    provider.open = true;
    await Promise.all(inFlight);
    // The other 80 clients saw their connection break, with no answer.
    expect(first.filter((a) => a === null)).toHaveLength(80);

    await upDetached(sb);
    const retries = await Promise.all(msgs.map((m) => postWebhook(port, m)));
    const unanswered = msgs.filter((m, i) => retries[i]?.status !== 200).map((m) => m.id);
    if (unanswered.length > 0) console.error(`no answer to ${unanswered.join(", ")}; log:\n${logText(sb)}`);
    for (const [i, m] of msgs.entries()) {
      expect({ id: m.id, status: retries[i]?.status, reply: retries[i]?.body?.reply }).toEqual({ id: m.id, status: 200, reply: `echo: ${m.text}` });
      if (first[i]) expect(first[i]!.body?.reply).toBe(`echo: ${m.text}`);
    }
    // Asked again: the same answer, from the store; the provider is not asked again.
    const requestsBefore = ai.requests.length;
    const again = await Promise.all(msgs.map((m) => postWebhook(port, m)));
    for (const [i, m] of msgs.entries()) expect(again[i]?.body?.reply).toBe(`echo: ${m.text}`);
    expect(ai.requests.length).toBe(requestsBefore);

    const completed = tally(ai.requests.filter((r) => r.completed).map((r) => lastUser(r)));
    for (const m of msgs) expect({ message: m.text, answers: completed.get(m.text) }).toEqual({ message: m.text, answers: 1 });
    // Only the four turns the crash cut were started twice.
    expect(ai.requests.length).toBe(104);
    await down(sb);
  }, 90_000);
});

describe("failed deliveries", () => {
  test("a reply whose delivery keeps failing becomes dead after outbox_max_attempts and shows in status; others are not held up", async () => {
    const { tg, ai } = await servers();
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url, { gateway: "outbox_max_attempts = 3" }) + telegramToml(tg));
    await upDetached(sb);
    // A failure that may heal (a 500) is tried outbox_max_attempts times.
    tg.refuseSend = (chatId) => (chatId === 777 ? { code: 500, description: "Internal Server Error: restart required" } : null);
    tg.pushMessage({ chatId: 777, text: "into the void" });
    await statusUntil(sb, (s) => s.outbox.dead === 1 && s.outbox.pending === 0, "the undeliverable reply to be dead");
    const attempts = tg.requests.filter((r) => r.method === "sendMessage" && Number(r.params.chat_id) === 777);
    expect(attempts).toHaveLength(3);
    expect(attempts.every((r) => r.status === 500)).toBe(true);
    expect(logText(sb)).toMatch(/gave up delivering the reply to \S+ in 777: 3 delivery attempts failed; last: .*restart required/);
    // Another chat is answered as usual.
    const { messageId } = tg.pushMessage({ chatId: 778, text: "hello" });
    const sent = await tg.waitForSent((m) => m.chatId === 778);
    expect(sent).toMatchObject({ text: "echo: hello", replyToMessageId: messageId });
    // Counts are refreshed a moment after a change.
    await statusUntil(sb, (s) => s.sessions.total === 2 && s.sessions.active === 0, "both sessions counted");
    const st = await status(sb);
    expect(st.outbox).toEqual({ pending: 0, dead: 1 });
    expect(st.sessions).toEqual({ total: 2, active: 0, errored: 0 });
    // A refusal that cannot heal (400 chat not found) is given up on at the first attempt.
    tg.refuseSend = (chatId) => (chatId === 777 ? { code: 400, description: "Bad Request: chat not found" } : null);
    tg.pushMessage({ chatId: 777, text: "again into the void" });
    await statusUntil(sb, (s) => s.outbox.dead === 2, "the refused reply dead at once");
    expect(tg.requests.filter((r) => r.method === "sendMessage" && Number(r.params.chat_id) === 777)).toHaveLength(4);
    expect(logText(sb)).toMatch(/in 777: refused by tg: .*chat not found/);
    // Dead stays dead, and visible, across a restart: the reply is not tried again.
    await down(sb);
    expect((await status(sb)).outbox).toEqual({ pending: 0, dead: 2 }); // stopped: read from the store
    tg.refuseSend = null;
    await upDetached(sb);
    await statusUntil(sb, (s) => s.sessions.total === 2, "the stored counts after the restart");
    expect((await status(sb)).outbox).toEqual({ pending: 0, dead: 2 });
    const { messageId: third } = tg.pushMessage({ chatId: 778, text: "still there?" });
    await tg.waitForSent((m) => m.chatId === 778 && m.replyToMessageId === third);
    expect(tg.requests.filter((r) => r.method === "sendMessage" && Number(r.params.chat_id) === 777)).toHaveLength(4);
    expect(tg.sent.filter((m) => m.chatId === 777)).toHaveLength(0);
    await down(sb);
  }, 60_000);

  test("a reply made while Telegram is unreachable stays pending and is delivered, once, when it is back", async () => {
    const { tg, ai } = await servers();
    const held = gate();
    cleanups.push(() => held.open());
    ai.on("m", (r) => ({ parts: [`echo: ${lastUser(r)}`], holdBefore: 0, hold: held.promise }));
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url) + telegramToml(tg));
    await upDetached(sb);
    const { messageId } = tg.pushMessage({ chatId: 4242, text: "are you there?" });
    await waitUntil(() => tg.unconfirmed.length === 0 && ai.inFlight === 1, "the message accepted and its turn running");
    await tg.pause();
    held.open();
    await statusUntil(sb, (s) => s.outbox.pending === 1, "the reply stored and waiting");
    expect(tg.sent).toHaveLength(0);
    tg.resume();
    const sent = await tg.waitForSent((m) => m.chatId === 4242, 15_000);
    expect(sent).toMatchObject({ text: "echo: are you there?", replyToMessageId: messageId });
    await statusUntil(sb, (s) => s.outbox.pending === 0, "the reply marked sent");
    await down(sb);
    expect(tg.sent).toHaveLength(1);
    expect((await status(sb)).outbox).toEqual({ pending: 0, dead: 0 });
  }, 60_000);
  // A lane whose adapter is not connected wakes at its first reply's age bound (it failed before).
  test("a reply still undelivered after outbox_max_age_ms becomes dead and counted, even while its channel stays down", async () => {
    const { tg, ai } = await servers();
    const held = gate();
    cleanups.push(() => held.open());
    ai.on("m", (r) => ({ parts: [`echo: ${lastUser(r)}`], holdBefore: 0, hold: held.promise }));
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url, { gateway: "outbox_max_age_ms = 1000" }) + telegramToml(tg));
    await upDetached(sb);
    tg.pushMessage({ chatId: 4243, text: "too late" });
    await waitUntil(() => tg.unconfirmed.length === 0 && ai.inFlight === 1, "the message accepted and its turn running");
    await tg.pause();
    held.open();
    await statusUntil(sb, (s) => s.outbox.pending + s.outbox.dead === 1, "the reply stored");
    // Telegram stays away: past the age bound the reply is given up on, visibly.
    await statusUntil(sb, (s) => s.outbox.dead === 1 && s.outbox.pending === 0, "the reply dead after its age bound", 5_000);
    expect(logText(sb)).toMatch(/gave up delivering the reply to \S+ in 4243: not delivered within 1 s/);
    tg.resume();
    await statusUntil(sb, (s) => s.adapters[0]?.state === "running", "telegram back");
    await down(sb);
    expect(tg.sent).toHaveLength(0);
  }, 60_000);
});
