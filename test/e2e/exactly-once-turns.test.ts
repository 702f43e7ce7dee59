// Turns through the real binary: the fallback answers when the primary is down, the global cap on
// provider calls holds under a burst, one session's messages are answered one at a time in order,
// and past the per-session waiting cap a message gets a reply saying so.
import { afterEach, expect, test } from "bun:test";
import { freePort, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { fail, OpenAIServer, text, type SeenRequest } from "../helpers/openai-server.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { agentToml, down, gate, lastUser, postWebhook, status, statusUntil, tally, telegramToml, upDetached, webhookToml } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

async function openai(): Promise<OpenAIServer> {
  const ai = await OpenAIServer.start();
  cleanups.push(() => ai.close());
  return ai;
}

async function telegram(): Promise<TelegramTestServer> {
  const tg = await TelegramTestServer.start();
  cleanups.push(() => tg.stop());
  return tg;
}

function track(sb: Sandbox): Sandbox {
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  return sb;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test("[[agent.fallback]]: the primary answers 503 on every try, the fallback model's answer is the reply; status counts sessions and outbox", async () => {
  const ai = await openai();
  ai.on("primary", () => fail(503, "The server is overloaded, please try again later.", { type: "server_error", headers: { "retry-after-ms": "20" } }));
  ai.on("backup", (r) => text(`backup says: ${lastUser(r)}`));
  const port = await freePort();
  const sb = track(sandbox());
  const fallback = `\n[[agent.fallback]]\nbase_url = "${ai.url}"\nmodel = "backup"\napi_key = "sk-backup-key"\n`;
  sb.writeConfig(agentToml(ai.url, { model: "primary", agent: fallback }) + webhookToml(port));
  await upDetached(sb);

  const a = await postWebhook(port, { id: "f1", conversation: "ops", text: "is anyone there?" });
  expect(a).toEqual({ status: 200, body: { session: "hook:ops", reply: "backup says: is anyone there?", error: null } });
  // The primary: the first try and its two retries; then the fallback, with its own key.
  expect(ai.count("primary")).toBe(3);
  expect(ai.count("backup")).toBe(1);
  expect(ai.requests.find((r) => r.model === "backup")!.authorization).toBe("Bearer sk-backup-key");

  // Counts follow a change within a moment.
  const st = await statusUntil(sb, (s) => s.sessions.total === 1 && s.sessions.active === 0, "the session counted, idle");
  expect(st.sessions).toEqual({ total: 1, active: 0, errored: 0 });
  expect(st.outbox).toEqual({ pending: 0, dead: 0 });
  await down(sb);
}, 60_000);

test("max_concurrent_turns = 2: a burst of 20 messages over 20 conversations never has more than 2 provider calls in flight; all are answered", async () => {
  const ai = await openai();
  // Each answer takes a moment, so that a burst without a cap would overlap them all.
  ai.on("m", (r) => ({ parts: [`echo: ${lastUser(r)}`], holdBefore: 0, hold: sleep(40) }));
  const port = await freePort();
  const sb = track(sandbox());
  sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 2" }) + webhookToml(port));
  await upDetached(sb);

  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => postWebhook(port, { id: `b${i}`, conversation: `burst-${i}`, text: `burst ${i}` })));
  for (const [i, a] of answers.entries()) expect(a).toMatchObject({ status: 200, body: { reply: `echo: burst ${i}` } });
  expect(ai.requests).toHaveLength(20);
  expect(ai.maxInFlight).toBe(2);
  await down(sb);
}, 60_000);

test("one session under a burst: 10 messages in one chat are answered one at a time, in order, each prompt holding the answers before it", async () => {
  const ai = await openai();
  const tg = await telegram();
  // Later messages answer faster: run side by side, they would overtake the earlier ones.
  ai.on("m", (r) => {
    const k = Number(/^q(\d+)$/.exec(lastUser(r))?.[1] ?? 0);
    return { parts: [`a${k}`], holdBefore: 0, hold: sleep((10 - k) * 15) };
  });
  const sb = track(sandbox());
  sb.writeConfig(agentToml(ai.url) + telegramToml(tg));
  await upDetached(sb);

  const ids = Array.from({ length: 10 }, (_, k) => tg.pushMessage({ chatId: 555, text: `q${k}` }).messageId);
  await waitUntil(() => tg.sent.length === 10, () => `10 replies; sent ${JSON.stringify(tg.sent.map((s) => s.text))}`, 15_000);
  expect(tg.sent.map((s) => [s.replyToMessageId, s.text])).toEqual(ids.map((id, k) => [id, `a${k}`]));
  expect(ai.maxInFlight).toBe(1);
  // The k-th prompt carries the k exchanges before it: each turn started after the previous was stored.
  const userTurns = (r: SeenRequest) => r.body.messages.filter((m: { role: string }) => m.role !== "system").map((m: { content: string }) => m.content);
  for (const [k, r] of ai.requests.entries()) expect(userTurns(r)).toEqual([...Array.from({ length: k }, (_, j) => [`q${j}`, `a${j}`]).flat(), `q${k}`]);
  await down(sb);
}, 60_000);

test("max_waiting_per_session: past the cap a message gets a reply saying so at once, never silence; the others are answered in order", async () => {
  const ai = await openai();
  const tg = await telegram();
  const held = gate();
  cleanups.push(() => held.open());
  ai.on("m", (r) => ({ parts: [`echo: ${lastUser(r)}`], holdBefore: 0, hold: held.promise }));
  const sb = track(sandbox());
  sb.writeConfig(agentToml(ai.url, { agent: "max_waiting_per_session = 2" }) + telegramToml(tg));
  await upDetached(sb);

  const pushed = Array.from({ length: 6 }, (_, k) => ({ k, id: tg.pushMessage({ chatId: 556, text: `w${k}` }).messageId }));
  // While the first turn is held, the messages past the cap are refused with a reply.
  await waitUntil(() => tg.unconfirmed.length === 0 && ai.inFlight === 1 && tg.sent.length > 0, () => `refusals; sent ${JSON.stringify(tg.sent.map((s) => s.text))}`, 15_000);
  await waitUntil(async () => (await status(sb)).sessions.total === 1, "the session counted");
  const refusedEarly = tg.sent.map((s) => s.replyToMessageId);
  for (const s of tg.sent) expect(s.text).toStartWith("Too many messages are waiting in this conversation (2)");
  held.open();
  await waitUntil(() => tg.sent.length === 6, () => `6 replies; sent ${JSON.stringify(tg.sent.map((s) => s.text))}`, 15_000);
  // Exactly one reply each; the refused ones are the latest; the rest are answered in order.
  expect([...tally(tg.sent.map((s) => String(s.replyToMessageId))).values()]).toEqual([1, 1, 1, 1, 1, 1]);
  const answered = pushed.filter((p) => !refusedEarly.includes(p.id));
  // The running turn and the two allowed to wait behind it are answered; the other three are told.
  expect(refusedEarly).toHaveLength(3);
  expect(answered.map((p) => p.k)).toEqual(Array.from({ length: answered.length }, (_, k) => k));
  const echoes = tg.sent.filter((s) => s.text.startsWith("echo: "));
  expect(echoes.map((s) => [s.replyToMessageId, s.text])).toEqual(answered.map((p) => [p.id, `echo: w${p.k}`]));
  expect(ai.requests.map((r) => lastUser(r))).toEqual(answered.map((p) => `w${p.k}`));
  await down(sb);
}, 60_000);
