// A conversation's context survives `bosun down`/`bosun up` and kill -9 of the real binary:
// the provider sees the earlier turns, from the store, in the next prompt; a transient provider
// error leaves the thread working as soon as the provider answers.
import { afterEach, expect, test } from "bun:test";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { fail, OpenAIServer, text, type SeenRequest } from "../helpers/openai-server.ts";
import { agentToml, down, kill9, lastUser, postWebhook, statusUntil, upDetached, webhookToml } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const prompt = (r: SeenRequest): string[] => r.body.messages.map((m: { role: string; content: string }) => `${m.role}: ${m.content}`);

test("history is carried across down/up and across kill -9: the provider sees the earlier turns in the prompt", async () => {
  const ai = await OpenAIServer.start();
  cleanups.push(() => ai.close());
  const port = await freePort();
  const sb = sandbox();
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  sb.writeConfig(agentToml(ai.url, { agent: 'system_prompt = "You are terse."' }) + webhookToml(port));
  const ask = async (id: string, text: string) => {
    const a = await postWebhook(port, { id, conversation: "ada", text });
    expect(a).toMatchObject({ status: 200, body: { reply: `echo: ${text}` } });
    return ai.requests.at(-1)!;
  };

  await upDetached(sb);
  // Another conversation's turns never reach this one's prompt.
  expect((await postWebhook(port, { id: "o1", conversation: "bob", text: "bob's secret plan" }))?.status).toBe(200);
  expect(prompt(await ask("1", "my name is Ada"))).toEqual(["system: You are terse.", "user: my name is Ada"]);

  await down(sb);
  await upDetached(sb);
  expect(prompt(await ask("2", "what is my name?"))).toEqual([
    "system: You are terse.",
    "user: my name is Ada",
    "assistant: echo: my name is Ada",
    "user: what is my name?",
  ]);

  await kill9(sb);
  await upDetached(sb);
  expect(prompt(await ask("3", "and after a crash?"))).toEqual([
    "system: You are terse.",
    "user: my name is Ada",
    "assistant: echo: my name is Ada",
    "user: what is my name?",
    "assistant: echo: what is my name?",
    "user: and after a crash?",
  ]);
  await down(sb);
}, 60_000);

test("transient reset: after a rate limit the next message in the same conversation works at once with its history; insufficient_quota is not retried", async () => {
  const ai = await OpenAIServer.start();
  cleanups.push(() => ai.close());
  let mode: "ok" | "rate" | "quota" = "ok";
  ai.on("m", (r) => {
    if (mode === "rate") return fail(429, "Rate limit reached for requests", { type: "requests", code: "rate_limit_exceeded", headers: { "retry-after-ms": "10" } });
    if (mode === "quota") return fail(429, "You exceeded your current quota, please check your plan and billing details.", { type: "insufficient_quota", code: "insufficient_quota" });
    return text(`echo: ${lastUser(r)}`);
  });
  const port = await freePort();
  const sb = sandbox();
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  sb.writeConfig(agentToml(ai.url) + webhookToml(port));
  await upDetached(sb);
  const ask = (id: string, t: string) => postWebhook(port, { id, conversation: "thread-1", text: t });

  expect((await ask("1", "hello"))?.body?.reply).toBe("echo: hello");
  mode = "rate";
  const limited = await ask("2", "are you there?");
  expect(limited?.status).toBe(200);
  expect(limited?.body?.error).toEqual({ type: "rate_limited", retryable: true });
  expect(limited?.body?.reply).toContain("rate-limiting");
  expect(ai.requests).toHaveLength(4); // the first try and two retries
  await statusUntil(sb, (s) => s.sessions.errored === 1, "the session errored");

  // The provider is back: the very next message in that thread is answered, with the stored history.
  mode = "ok";
  expect(await ask("3", "now?")).toMatchObject({ status: 200, body: { reply: "echo: now?", error: null } });
  expect(prompt(ai.requests.at(-1)!)).toEqual(["user: hello", "assistant: echo: hello", "user: now?"]);
  await statusUntil(sb, (s) => s.sessions.errored === 0, "the session no longer errored");

  mode = "quota";
  const before = ai.requests.length;
  const broke = await ask("4", "and now?");
  expect(broke?.body?.error).toEqual({ type: "budget_exhausted", retryable: false });
  expect(broke?.body?.reply).toContain("top it up");
  expect(ai.requests.length - before).toBe(1);
  await down(sb);
}, 60_000);
