// Clean stop and restore (issue 11, semantics §4) against the real binary: `bosun down` lets a
// running turn finish, records what is left in state/last-stop.json, and the next start holds
// those sessions until `up --restore` or `bosun restore`; a crash is recovered without asking.
import { afterEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BIN, freePort, have, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { shellEnv, Tmux } from "../helpers/tmux.ts";
import { WebchatClient } from "../helpers/webchat.ts";
import { OpenAIServer, text, type Answer } from "../helpers/openai-server.ts";
import { TelegramTestServer } from "../helpers/telegram-server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { agentToml, gate, kill9, lastUser, postWebhook, statusUntil, tally, telegramToml, WEBHOOK_SECRET } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const CHATS = [2001, 2002, 2003];

interface Setup {
  sb: Sandbox;
  tg: TelegramTestServer;
  ai: OpenAIServer;
  pushed: Array<{ chatId: number; text: string; messageId: number }>;
  /** Every later request is answered at once. */
  openProvider(): void;
  /** Lets the first held turn finish. */
  first: { open(): void };
}

async function setup(): Promise<Setup> {
  const tg = await TelegramTestServer.start();
  const ai = await OpenAIServer.start();
  const sb = sandbox();
  cleanups.push(() => tg.stop(), () => ai.close(), () => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  // The first turn is held until the test lets it finish during the drain; the second is held
  // past the drain deadline (cancelled, nothing recorded); once open, everything is answered at once.
  const first = gate();
  const second = gate();
  const state = { open: false };
  cleanups.push(() => first.open(), () => second.open());
  ai.on("m", (r): Answer => {
    const reply = `echo: ${lastUser(r)}`;
    if (state.open) return text(reply);
    return { parts: [reply], holdBefore: 0, hold: r.n === 0 ? first.promise : second.promise };
  });
  sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 2" }) + telegramToml(tg));
  return { sb, tg, ai, pushed: [], openProvider: () => (state.open = true), first };
}

async function run(sb: Sandbox, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return sb.runAsync(args, { timeoutMs: 30_000 });
}

async function must(sb: Sandbox, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await run(sb, args);
  if (r.code !== 0) throw new Error(`bosun ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r;
}

const lastStopPath = (sb: Sandbox) => join(sb.home, "state", "last-stop.json");
const readRecord = (sb: Sandbox) => JSON.parse(readFileSync(lastStopPath(sb), "utf8")) as { stoppedAt: string; heldSince?: string; sessions: Array<{ id: string; key: string; pendingInbound: number; pendingOutbound: number }> };

/**
 * Nine messages over three chats, two turns running at the provider; `bosun down`: the first
 * turn finishes during the drain and its reply is delivered, the second is cut at the deadline,
 * the rest were waiting. Returns with the gateway stopped and the record written.
 */
async function downWithWork(s: Setup): Promise<void> {
  const { sb, tg, ai } = s;
  await must(sb, ["up", "--detach"]);
  for (let i = 0; i < 9; i++) {
    const chatId = CHATS[i % 3]!;
    const t = `waiting-${i}`;
    s.pushed.push({ chatId, text: t, messageId: tg.pushMessage({ chatId, text: t }).messageId });
  }
  await waitUntil(() => tg.unconfirmed.length === 0 && ai.inFlight === 2, () => `accepted, two turns running; unconfirmed ${tg.unconfirmed.length}, in flight ${ai.inFlight}`, 15_000);
  const stopping = run(sb, ["down"]);
  await statusUntil(sb, (st) => st.gateway.state === "stopping", "the gateway to be draining");
  s.first.open();
  const r = await stopping;
  expect(r.code).toBe(0);
  // The turn that finished in the drain was answered and delivered; nothing else went out.
  expect(tg.sent.map((m) => m.text)).toEqual([`echo: ${ai.requests[0] ? lastUser(ai.requests[0]) : "?"}`]);
}

function expectEachAnsweredOnce(s: Setup): void {
  const { tg, ai, pushed } = s;
  expect(tg.sent).toHaveLength(pushed.length);
  const byReply = new Map(tg.sent.map((m) => [`${m.chatId}/${m.replyToMessageId}`, m.text]));
  for (const p of pushed) expect(byReply.get(`${p.chatId}/${p.messageId}`)).toBe(`echo: ${p.text}`);
  const completed = tally(ai.requests.filter((r) => r.completed).map((r) => lastUser(r)));
  for (const p of pushed) expect({ message: p.text, answers: completed.get(p.text) }).toEqual({ message: p.text, answers: 1 });
}

describe("bosun down and restore", () => {
  test("down with a turn finishing, one cut and messages waiting writes last-stop (0600, whole); up --restore answers each waiting message exactly once", async () => {
    const s = await setup();
    await downWithWork(s);
    const rec = readRecord(s.sb);
    expect(statSync(lastStopPath(s.sb)).mode & 0o777).toBe(0o600);
    expect(rec.heldSince).toBeUndefined();
    expect(rec.sessions.map((x) => x.key).sort()).toEqual(CHATS.map((c) => `tg:${c}`));
    expect(rec.sessions.reduce((n, x) => n + x.pendingInbound, 0)).toBe(8);
    expect(readdirSync(join(s.sb.home, "state")).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    s.openProvider();
    const up = await must(s.sb, ["up", "--detach", "--restore"]);
    expect(up.stderr + up.stdout).not.toContain("bosun restore");
    await waitUntil(() => s.tg.sent.length >= 9, () => `9 replies; ${s.tg.sent.length}`, 15_000);
    await statusUntil(s.sb, (st) => st.outbox.pending === 0 && st.sessions.active === 0, "nothing left to deliver");
    expect(existsSync(lastStopPath(s.sb))).toBe(false);
    await must(s.sb, ["down"]);
    expectEachAnsweredOnce(s);
    expect(existsSync(lastStopPath(s.sb))).toBe(false);
  }, 60_000);

  test("a plain up after down holds those sessions and says `bosun restore` in one line; new conversations are answered; bosun restore answers the held ones once", async () => {
    const s = await setup();
    await downWithWork(s);
    s.openProvider();
    const up = await must(s.sb, ["up", "--detach"]);
    const hints = (up.stderr + up.stdout).split("\n").filter((l) => l.includes("bosun restore"));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain("3 sessions with 8 waiting messages");
    // A new conversation is answered; the held ones are not (their answers would come first: they are older).
    const fresh = { chatId: 2999, text: "new-one" };
    s.pushed.push({ ...fresh, messageId: s.tg.pushMessage(fresh).messageId });
    await waitUntil(() => s.tg.sent.some((m) => m.chatId === 2999), "the new conversation's reply", 15_000);
    expect(s.tg.sent).toHaveLength(2);
    expect(readRecord(s.sb).heldSince).toBeString();

    const r = await must(s.sb, ["restore", "--json"]);
    const result = JSON.parse(r.stdout) as { restored: Array<{ key: string }>; failed: unknown[]; queued: number };
    expect(result.failed).toEqual([]);
    expect(result.restored.map((x) => x.key).sort()).toEqual(CHATS.map((c) => `tg:${c}`));
    expect(result.queued).toBe(8);
    await waitUntil(() => s.tg.sent.length >= 10, () => `10 replies; ${s.tg.sent.length}`, 15_000);
    expect(existsSync(lastStopPath(s.sb))).toBe(false);
    const again = await run(s.sb, ["restore"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("nothing to restore");
    await statusUntil(s.sb, (st) => st.outbox.pending === 0 && st.sessions.active === 0, "nothing left to deliver");
    await must(s.sb, ["down"]);
    expectEachAnsweredOnce(s);
    // Without a gateway, restore says how (exit 4).
    const offline = await run(s.sb, ["restore"]);
    expect(offline.code).toBe(4);
    expect(offline.stderr).toContain("bosun up --restore");
  }, 60_000);

  test("a session whose adapter left the config is not restored: it stays in the record with the reason, restore exits 1", async () => {
    const s = await setup();
    await downWithWork(s);
    const port = await freePort();
    // tg is gone; a webhook takes its place.
    s.sb.writeConfig(agentToml(s.ai.url) + `[adapters.hook]\nkind = "webhook"\nlisten = "127.0.0.1:${port}"\nsecret = "${WEBHOOK_SECRET}"\n`);
    s.openProvider();
    await must(s.sb, ["up", "--detach"]);
    const r = await run(s.sb, ["restore", "--json"]);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as { restored: unknown[]; failed: Array<{ key: string; error: string }> };
    expect(result.restored).toEqual([]);
    expect(result.failed.map((f) => f.key).sort()).toEqual(CHATS.map((c) => `tg:${c}`));
    for (const f of result.failed) expect(f.error).toBe('adapter "tg" is not in the config');
    const rec = readRecord(s.sb);
    expect(rec.sessions.map((x) => (x as { error?: string }).error)).toEqual(CHATS.map(() => 'adapter "tg" is not in the config'));
    const human = await run(s.sb, ["restore"]);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('tg:2001: adapter "tg" is not in the config');
  }, 60_000);

  test("kill -9 in the middle of a down leaves the earlier record whole; that run counts as a crash: the next up answers everything without asking", async () => {
    const s = await setup();
    await downWithWork(s);
    const before = readFileSync(lastStopPath(s.sb), "utf8");
    // Held run: a new message starts a turn held at the provider (the second gate), then a down is cut by kill -9 mid-drain.
    await must(s.sb, ["up", "--detach"]);
    const stamped = readRecord(s.sb);
    expect(stamped.sessions).toEqual(JSON.parse(before).sessions);
    const late = { chatId: 2998, text: "late-one" };
    s.pushed.push({ ...late, messageId: s.tg.pushMessage(late).messageId });
    await waitUntil(() => s.ai.inFlight === 1, "the late turn to be running");
    const stopping = run(s.sb, ["down"]);
    await statusUntil(s.sb, (st) => st.gateway.state === "stopping", "the gateway to be draining");
    await kill9(s.sb);
    await stopping;
    expect(readRecord(s.sb)).toEqual(stamped);

    s.openProvider();
    const up = await must(s.sb, ["up", "--detach"]);
    expect(up.stderr + up.stdout).not.toContain("bosun restore");
    await waitUntil(() => s.tg.sent.length >= 10, () => `10 replies; ${s.tg.sent.length}`, 15_000);
    await statusUntil(s.sb, (st) => st.outbox.pending === 0 && st.sessions.active === 0, "nothing left to deliver");
    expect(existsSync(lastStopPath(s.sb))).toBe(false);
    await must(s.sb, ["down"]);
    expectEachAnsweredOnce(s);
  }, 60_000);
});

describe.skipIf(!have("tmux"))("bosun up in a terminal", () => {
  test("asks once, with one keypress, whether to restore; y answers every waiting message once, then the dashboard runs", async () => {
    const s = await setup();
    await downWithWork(s);
    s.openProvider();
    const t = Tmux.start(`bosun-restore-${process.pid}`, `cd ${s.sb.dir} && env ${shellEnv(s.sb.env)} ${BIN} up; echo "EXITED rc=$?"; sleep 60`);
    cleanups.push(() => t.kill());
    await t.waitFor((sc) => sc.includes("Restore 3 sessions with 8 waiting messages from the last `bosun down`? [Y/n]"), "the restore question");
    expect(s.tg.sent).toHaveLength(1);
    t.keys("y");
    await waitUntil(() => s.tg.sent.length >= 9, () => `9 replies; ${s.tg.sent.length}`, 15_000);
    await t.waitFor((sc) => /tg\s+telegram\s+running/.test(sc), "the dashboard");
    t.keys("q");
    const end = await t.waitFor((sc) => sc.includes("EXITED"), "bosun to exit");
    expect(end).toContain("EXITED rc=0");
    expectEachAnsweredOnce(s);
    expect(existsSync(lastStopPath(s.sb))).toBe(false);
  }, 60_000);
});

describe("down stops intake first", () => {
  test("while running turns drain: Telegram is not polled, a new webhook request gets 503 with Retry-After, chat pages are told; the running webhook request still gets its reply", async () => {
    const s = await setup();
    const [hookPort, webPort] = [await freePort(), await freePort()];
    s.sb.writeConfig(
      agentToml(s.ai.url, { agent: "max_concurrent_turns = 2" }) +
        telegramToml(s.tg) +
        `[adapters.hook]\nkind = "webhook"\nlisten = "127.0.0.1:${hookPort}"\nsecret = "${WEBHOOK_SECRET}"\nreply_timeout_ms = 20000\n` +
        `[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${webPort}"\n`,
    );
    await must(s.sb, ["up", "--detach"]);
    const page = await WebchatClient.open(webPort, "lobby");
    cleanups.push(() => page.close());
    // Two webhook turns run at the provider: the first finishes in the drain, the second is cut at its deadline.
    const running = postWebhook(hookPort, { id: "r1", conversation: "c1", text: "running-1" });
    const cut = postWebhook(hookPort, { id: "r2", conversation: "c2", text: "running-2" });
    await waitUntil(() => s.ai.inFlight === 2, "two turns running");
    const stopping = run(s.sb, ["down"]);
    await page.waitFor((f) => f.type === "error" && f.code === "stopping" && typeof f.message === "string" && f.message.includes("gateway stopping"), 10_000);
    const late = await postWebhook(hookPort, { id: "r3", conversation: "c3", text: "too-late" });
    expect(late?.status).toBe(503);
    const res = await fetch(`http://127.0.0.1:${hookPort}/`, { method: "POST", body: "{}" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    await res.body?.cancel();
    // A message sent from the page now is refused, not silently taken.
    page.send({ type: "message", id: "p1", text: "from the page" });
    await page.waitFor((f) => f.type === "error" && f.id === "p1");
    // Telegram: an update pushed now is not fetched (it stays unconfirmed, for the next start).
    s.tg.pushMessage({ chatId: 2100, text: "during the drain" });
    s.first.open();
    expect((await running)?.body?.reply).toBe("echo: running-1");
    expect((await stopping).code).toBe(0);
    expect(s.tg.unconfirmed).toHaveLength(1);
    expect((await cut)?.status).toBe(503);
    // The cut turn's message is what the stop left: recorded, answered by up --restore.
    const rec = readRecord(s.sb);
    expect(rec.sessions.map((x) => x.key)).toEqual(["hook:c2"]);
  }, 60_000);
});

describe("the last-stop write path", () => {
  test("kill -9 at many points while records are written: the file is always one whole record, never torn", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-last-stop-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "last-stop.json");
    const module = resolve(import.meta.dir, "../../src/core/sessions/last-stop.ts");
    // Two records of different sizes (the larger one takes many write calls), written in turn as fast as possible.
    const script = `
      import { writeLastStop } from ${JSON.stringify(module)};
      const rec = (n, tag) => ({ stoppedAt: new Date(0).toISOString(), sessions: Array.from({ length: n }, (_, i) => ({ id: tag + i, key: "tg:" + i, pendingInbound: i, pendingOutbound: 0 })) });
      const a = rec(5, "a"), b = rec(20000, "b");
      writeLastStop(${JSON.stringify(path)}, a);
      writeLastStop(${JSON.stringify(path + ".ready")}, a);
      for (let i = 0; ; i++) writeLastStop(${JSON.stringify(path)}, i % 2 ? a : b);
    `;
    for (let round = 0; round < 12; round++) {
      rmSync(`${path}.ready`, { force: true });
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "ignore", "inherit"] });
      const exited = new Promise((r) => child.once("exit", r));
      await waitUntil(() => existsSync(`${path}.ready`), "the writer to start", 10_000, 2);
      // Let it run a different while each round, then kill it wherever it is.
      await new Promise((r) => setTimeout(r, 5 + round * 13));
      child.kill("SIGKILL");
      await exited;
      const rec = JSON.parse(readFileSync(path, "utf8")) as { sessions: unknown[] };
      expect([5, 20000]).toContain(rec.sessions.length);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
  }, 60_000);
});
