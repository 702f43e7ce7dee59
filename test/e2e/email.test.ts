// The email channel through the built binary: a real Dovecot (mail delivered over LMTP, read
// with IMAP IDLE) and a local SMTP server taking the replies. Threading, what is never answered,
// mail that came while bosun was stopped, Dovecot killed and back, a refused login, kill -9.
import { afterEach, describe, expect, test } from "bun:test";
import { sandbox, type Sandbox } from "../helpers/bosun.ts";
import { Dovecot } from "../helpers/dovecot.ts";
import { OpenAIServer, text, type Answer } from "../helpers/openai-server.ts";
import { SmtpSink, type SunkMail } from "../helpers/smtp-sink.ts";
import { waitUntil } from "../helpers/wait.ts";
import { agentToml, down, gate, kill9, lastUser, logText, status, statusUntil, tally, upDetached } from "./exactly-once-helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

async function servers(): Promise<{ dovecot: Dovecot; smtp: SmtpSink }> {
  const dovecot = await Dovecot.start({ "bot@example.test": "botpw" });
  const smtp = await SmtpSink.start();
  cleanups.push(() => dovecot.close(), () => smtp.close());
  return { dovecot, smtp };
}

function track(sb: Sandbox): Sandbox {
  cleanups.push(() => sb.runAsync(["down"], { timeoutMs: 15_000 }));
  return sb;
}

const ECHO = `[agent]\nprovider = "echo"\n[gateway]\nshutdown_timeout_ms = 3000\noutbox_retry_ms = 50\n`;

function emailToml(dovecot: Dovecot, smtp: SmtpSink, opts: { password?: string; backoffMax?: number } = {}): string {
  return (
    `[adapters.mail]\nkind = "email"\nimap = "${dovecot.imap}"\nimap_tls = false\nsmtp = "${smtp.address}"\nsmtp_tls = "none"\n` +
    `username = "bot@example.test"\npassword = "${opts.password ?? "botpw"}"\nfrom = "Bosun <bot@example.test>"\nallow_from = ["example.test"]\n` +
    `backoff_initial_ms = 50\nbackoff_max_ms = ${opts.backoffMax ?? 300}\nhealthy_after_ms = 200\n`
  );
}

/** The reply (or replies) to the mail with this Message-ID. */
const repliesTo = (smtp: SmtpSink, id: string): SunkMail[] => smtp.mails.filter((m) => m.parsed.inReplyTo === id);

async function replyTo(smtp: SmtpSink, id: string, what: string): Promise<SunkMail> {
  return waitUntil(() => repliesTo(smtp, id)[0], () => `the reply to ${what}; sent ${JSON.stringify(smtp.mails.map((m) => m.parsed.subject))}`, 15_000, 20);
}

describe("email through the binary", () => {
  test("answered in the thread, the reply to a reply in the same conversation; auto-replies, list mail and strangers get nothing; mail sent while stopped is answered once after up", async () => {
    const { dovecot, smtp } = await servers();
    const sb = track(sandbox());
    sb.writeConfig(ECHO + emailToml(dovecot, smtp));
    await upDetached(sb);
    await statusUntil(sb, (s) => s.adapters.some((a) => a.name === "mail" && a.state === "running"), "mail running");

    const first = await dovecot.deliver({ from: "Alice <alice@example.test>", subject: "Plans", text: "What is up?\n\nOn Mon, Bob wrote:\n> old text" });
    const r1 = await replyTo(smtp, first, "the first mail");
    expect(r1.rcpt).toEqual(["alice@example.test"]);
    expect(r1.parsed.subject).toBe("Re: Plans");
    expect(r1.parsed.references).toBe(first);
    expect(r1.parsed.text?.trim()).toBe("echo: What is up?");

    const second = await dovecot.deliver({ from: "alice@example.test", subject: "Re: Plans", text: "And then?\n> echo: What is up?", inReplyTo: r1.parsed.messageId, references: [first, r1.parsed.messageId!] });
    const r2 = await replyTo(smtp, second, "the reply to the reply");
    expect(r2.parsed.subject).toBe("Re: Plans");
    expect(r2.parsed.references).toEqual([first, r1.parsed.messageId!, second]);
    expect(r2.parsed.text?.trim()).toBe("echo: And then?");
    expect((await status(sb)).sessions.total).toBe(1);

    // Never answered: an auto-reply, list mail, a stranger. A person's mail after them is.
    await dovecot.deliver({ from: "alice@example.test", subject: "Away", text: "out of office", headers: { "Auto-Submitted": "auto-replied" } });
    await dovecot.deliver({ from: "alice@example.test", subject: "News", text: "digest", headers: { "List-Id": "<news.example.test>", "List-Unsubscribe": "<mailto:u@example.test>" } });
    await dovecot.deliver({ from: "mallory@elsewhere.test", subject: "Hi", text: "answer me" });
    const third = await dovecot.deliver({ from: "carol@example.test", subject: "Other", text: "third" });
    await replyTo(smtp, third, "carol's mail");
    expect(smtp.mails.map((m) => m.parsed.text?.trim())).toEqual(["echo: What is up?", "echo: And then?", "echo: third"]);

    // Mail that comes while bosun is down is answered after up, once.
    await down(sb);
    const whileDown = await dovecot.deliver({ from: "alice@example.test", subject: "While you were out", text: "hello?" });
    await upDetached(sb);
    await replyTo(smtp, whileDown, "the mail sent while stopped");
    await down(sb);
    await upDetached(sb);
    const after = await dovecot.deliver({ from: "alice@example.test", subject: "Later", text: "later" });
    await replyTo(smtp, after, "the mail after the second up");
    await down(sb);
    expect(repliesTo(smtp, whileDown)).toHaveLength(1);
    expect(smtp.mails).toHaveLength(5);
  });

  test("Dovecot killed and started again: the adapter comes back by itself and answers", async () => {
    const { dovecot, smtp } = await servers();
    const sb = track(sandbox());
    sb.writeConfig(ECHO + emailToml(dovecot, smtp));
    await upDetached(sb);
    await statusUntil(sb, (s) => s.adapters.some((a) => a.name === "mail" && a.state === "running"), "mail running");
    await dovecot.stop();
    await statusUntil(sb, (s) => s.adapters.some((a) => a.name === "mail" && a.state !== "running"), "mail down while Dovecot is");
    await dovecot.run();
    await statusUntil(sb, (s) => s.adapters.some((a) => a.name === "mail" && a.state === "running"), "mail running again", 15_000);
    const id = await dovecot.deliver({ from: "alice@example.test", subject: "Back?", text: "are you back" });
    expect((await replyTo(smtp, id, "the mail after the restart")).parsed.text?.trim()).toBe("echo: are you back");

    // bosun send to an address starts a new mail; to something that is neither a thread nor an address, it fails.
    const sent = await sb.runAsync(["send", "mail", "dave@example.test", "Meeting moved\nto three."]);
    expect(sent.code).toBe(0);
    const mail = await waitUntil(() => smtp.mails.find((m) => m.rcpt.includes("dave@example.test")), "the mail to dave");
    expect(mail.parsed.subject).toBe("Meeting moved");
    expect(mail.parsed.inReplyTo).toBeUndefined();
    const refused = await sb.runAsync(["send", "mail", "not-an-address", "hello"]);
    expect(refused.code).not.toBe(0);
    await down(sb);
  });

  test("a wrong password shows failed with the reason and is not retried in a storm", async () => {
    const { dovecot, smtp } = await servers();
    const sb = track(sandbox());
    sb.writeConfig(ECHO + emailToml(dovecot, smtp, { password: "not-the-password-42", backoffMax: 30_000 }));
    await upDetached(sb, { adapterDown: true });
    const failed = await statusUntil(sb, (s) => s.adapters.some((a) => a.name === "mail" && a.state === "failed"), "mail failed");
    expect(JSON.stringify(failed)).toContain("AUTHENTICATIONFAILED");
    expect(JSON.stringify(failed)).not.toContain("not-the-password-42");
    // Dovecot logs each refused login as "(auth failed, 1 attempts …)" when the client goes.
    const attempts = () => (dovecot.log().match(/auth failed/g) ?? []).length;
    const seen = await waitUntil(attempts, "the refused login in Dovecot's log");
    expect(seen).toBe(1);
    // Many initial backoffs (50 ms) long: a refused login retried like a passing fault would log in again.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(attempts()).toBe(seen);
    expect(logText(sb)).not.toContain("not-the-password-42");
  });

  test("kill -9 with mail accepted and unanswered, then up: each is answered exactly once", async () => {
    const { dovecot, smtp } = await servers();
    const ai = await OpenAIServer.start();
    cleanups.push(() => ai.close());
    const held = gate();
    cleanups.push(() => held.open());
    const provider = { open: false };
    ai.on("m", (r): Answer => {
      const reply = `echo: ${lastUser(r)}`;
      if (provider.open || r.n < 2) return text(reply);
      return { parts: [reply], holdBefore: 0, hold: held.promise };
    });
    const sb = track(sandbox());
    sb.writeConfig(agentToml(ai.url, { agent: "max_concurrent_turns = 2", gateway: "" }) + emailToml(dovecot, smtp));
    await upDetached(sb);
    await statusUntil(sb, (s) => s.adapters.some((a) => a.name === "mail" && a.state === "running"), "mail running");
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await dovecot.deliver({ from: `user${i}@example.test`, subject: `Question ${i}`, text: `q${i}` }));
    // All six are stored (a session each), two answered, two held at the provider, two waiting.
    await statusUntil(sb, (s) => s.sessions.total === 6, "six sessions");
    await waitUntil(() => ai.inFlight === 2 && smtp.mails.length === 2, () => `two answered and two held; in flight ${ai.inFlight}, sent ${smtp.mails.length}`, 15_000);
    await kill9(sb);
    provider.open = true;
    await upDetached(sb);
    await waitUntil(() => ids.every((id) => repliesTo(smtp, id).length > 0), () => `a reply to each of the six; sent ${smtp.mails.length}`, 20_000, 20);
    await statusUntil(sb, (s) => s.outbox.pending === 0 && s.sessions.active === 0, "nothing left to deliver");
    await down(sb);
    const counts = tally(smtp.mails.map((m) => m.parsed.inReplyTo ?? ""));
    for (const [i, id] of ids.entries()) expect({ i, replies: counts.get(id) }).toEqual({ i, replies: 1 });
    expect(smtp.mails).toHaveLength(6);
    for (const [i, id] of ids.entries()) expect(repliesTo(smtp, id)[0]!.parsed.text?.trim()).toBe(`echo: q${i}`);
  });
});
