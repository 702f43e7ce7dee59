// A conversation's context survives `bosun down`/`bosun up` and kill -9 of the real binary:
// the provider sees the earlier turns, from the store, in the next prompt.
import { afterEach, expect, test } from "bun:test";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { OpenAIServer, type SeenRequest } from "../helpers/openai-server.ts";
import { agentToml, down, kill9, postWebhook, upDetached, webhookToml } from "./exactly-once-helpers.ts";

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
