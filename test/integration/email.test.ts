// The email adapter against a real Dovecot (IMAP IDLE, mail delivered over LMTP) and a local
// SMTP server for its replies: threading, what is never answered, mail that came while it was
// stopped, the IMAP connection lost, a refused login.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatWithOptions } from "node:util";
import { createConsola } from "consola";
import { TerminalError } from "../../src/core/adapters/errors.ts";
import { checkEmail } from "../../src/core/adapters/email/check.ts";
import { createEmailAdapter } from "../../src/core/adapters/email/index.ts";
import { emailConfigSchema } from "../../src/core/adapters/email/kind.ts";
import type { Adapter } from "../../src/core/adapters/types.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { Dovecot } from "../helpers/dovecot.ts";
import { SmtpSink } from "../helpers/smtp-sink.ts";
import { waitUntil } from "../helpers/wait.ts";
import { StreamReader } from "./telegram-helpers.ts";

let dovecot: Dovecot;
let smtp: SmtpSink;
beforeAll(async () => {
  dovecot = await Dovecot.start({ "bot@example.test": "botpw", "other@example.test": "otherpw" });
  smtp = await SmtpSink.start();
});
afterAll(async () => {
  await dovecot?.close();
  await smtp?.close();
});

const adapters: Adapter[] = [];
function configFor(opts: { password?: string; allow?: string[]; folder?: string } = {}) {
  return emailConfigSchema.parse({
    kind: "email",
    imap: dovecot.imap,
    imap_tls: false,
    smtp: smtp.address,
    smtp_tls: "none",
    username: "bot@example.test",
    password: opts.password ?? "botpw",
    from: "Bosun <bot@example.test>",
    allow_from: opts.allow ?? ["example.test", "Friend@Elsewhere.org"],
    ...(opts.folder ? { folder: opts.folder } : {}),
  });
}

function make(opts: { stateFile?: string; password?: string; allow?: string[]; folder?: string } = {}) {
  const logs: string[] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (o) => logs.push(formatWithOptions({ breakLength: Infinity }, ...(o.args as unknown[]))) }] });
  const config = configFor(opts);
  const stateFile = opts.stateFile ?? join(mkdtempSync(join(tmpdir(), "bosun-email-")), "mail.json");
  const adapter = createEmailAdapter({ name: "mail", config, log, clock: systemClock, stateFile });
  adapters.push(adapter);
  return { adapter, logs, stateFile };
}

async function started(opts: Parameters<typeof make>[0] = {}) {
  const h = make(opts);
  const reader = new StreamReader(await h.adapter.start(new AbortController().signal));
  return { ...h, reader };
}

afterAll(async () => {
  for (const a of adapters) await a.shutdown().catch(() => {});
});

describe("email adapter against Dovecot", () => {
  test("a delivered mail arrives at once; the reply goes to the sender threaded (In-Reply-To, References, one Re:)", async () => {
    const { adapter, reader, stateFile } = await started();
    const id = await dovecot.deliver({ from: "Alice <Alice@Example.test>", subject: "Lunch plans", text: "Where shall we eat?\n\nOn Mon, 1 Dec 2026, Bob <bob@example.test> wrote:\n> somewhere nice\n" });
    const ev = await reader.nextMessage(5_000);
    expect(ev.message).toMatchObject({ id, conversation: id, user: "alice@example.test", text: "Where shall we eat?", title: "Lunch plans" });
    await ev.accepted?.();
    const uid = JSON.parse(readFileSync(stateFile, "utf8")).lastUid;
    expect(uid).toBeGreaterThan(0);
    expect(await adapter.describe!(id, undefined, new AbortController().signal)).toEqual({ title: "Lunch plans" });
    const before = smtp.mails.length;
    await adapter.send({ conversation: ev.message.conversation, text: "The usual place.", replyTo: ev.message.id });
    const sent = await waitUntil(() => smtp.mails[before], "the reply at the SMTP server");
    expect(sent.rcpt).toEqual(["alice@example.test"]);
    expect(sent.user).toBe("bot@example.test");
    expect(sent.parsed.subject).toBe("Re: Lunch plans");
    expect(sent.parsed.inReplyTo).toBe(id);
    expect(sent.parsed.references).toBe(id);
    expect(sent.parsed.text?.trim()).toBe("The usual place.");
    expect(sent.parsed.headers.get("auto-submitted")).toBe("auto-replied");

    // Alice answers the reply: same conversation, and the next reply is not "Re: Re:".
    const second = await dovecot.deliver({ from: "alice@example.test", subject: "Re: Lunch plans", text: "Fine!\n> The usual place.", inReplyTo: sent.parsed.messageId, references: [id, sent.parsed.messageId!] });
    const ev2 = await reader.nextMessage(5_000);
    expect(ev2.message).toMatchObject({ id: second, conversation: id, text: "Fine!" });
    await ev2.accepted?.();
    await adapter.send({ conversation: id, text: "See you.", replyTo: second });
    const sent2 = await waitUntil(() => smtp.mails[before + 1], "the second reply");
    expect(sent2.parsed.subject).toBe("Re: Lunch plans");
    expect(sent2.parsed.inReplyTo).toBe(second);
    expect(sent2.parsed.references).toEqual([id, sent.parsed.messageId!, second]);
    await adapter.shutdown();
  });

  test("auto-replies, list mail, bounces, strangers and our own mail get nothing; HTML-only mail is read as text", async () => {
    const { adapter, reader, logs } = await started();
    await dovecot.deliver({ from: "alice@example.test", subject: "Out of office", text: "I am away", headers: { "Auto-Submitted": "auto-replied" } });
    await dovecot.deliver({ from: "alice@example.test", subject: "Digest", text: "news", headers: { "List-Id": "<news.example.test>" } });
    await dovecot.deliver({ from: "alice@example.test", subject: "Bulk", text: "buy", headers: { Precedence: "bulk" } });
    await dovecot.deliver({ from: "mallory@evil.test", subject: "hi", text: "answer me" });
    await dovecot.deliver({ from: "bot@example.test", subject: "loop", text: "myself" });
    const ok = await dovecot.deliver({ from: "friend@elsewhere.org", subject: "Question", html: "<p>Is <b>this</b> read?</p><blockquote>old</blockquote>" });
    const ev = await reader.nextMessage(5_000);
    expect(ev.message.id).toBe(ok);
    expect(ev.message.user).toBe("friend@elsewhere.org");
    expect(ev.message.text).toContain("Is this read?");
    expect(logs.join("\n")).toContain("mallory@evil.test ignored (not in allow_from)");
    expect(logs.join("\n")).toMatch(/Auto-Submitted: auto-replied/);
    await adapter.shutdown();
  });

  test("mail delivered while stopped is handed over on the next start, and none twice", async () => {
    const first = await started();
    await first.adapter.shutdown();
    const a = await dovecot.deliver({ from: "alice@example.test", subject: "while away 1", text: "one" });
    const b = await dovecot.deliver({ from: "alice@example.test", subject: "while away 2", text: "two" });
    const second = await started({ stateFile: first.stateFile });
    const e1 = await second.reader.nextMessage(5_000);
    const e2 = await second.reader.nextMessage(5_000);
    expect([e1.message.id, e2.message.id]).toEqual([a, b]);
    // Only the first is accepted before the stop: the second comes again, the first does not.
    await e1.accepted?.();
    await second.adapter.shutdown();
    const third = await started({ stateFile: first.stateFile });
    const again = await third.reader.nextMessage(5_000);
    expect(again.message.id).toBe(b);
    await again.accepted?.();
    await third.adapter.shutdown();
    const fourth = await started({ stateFile: first.stateFile });
    const c = await dovecot.deliver({ from: "alice@example.test", subject: "new", text: "three" });
    expect((await fourth.reader.nextMessage(5_000)).message.id).toBe(c);
    await fourth.adapter.shutdown();
  });

  test("a new UIDVALIDITY: the folder is read again, mail from before the first start is left alone, mail since is handed over with the same Message-ID", async () => {
    const old = await dovecot.deliver({ from: "alice@example.test", subject: "before bosun", text: "old" });
    // The first start comes a full second after that mail (internal dates have whole seconds).
    const t = Math.floor(Date.now() / 1000);
    await waitUntil(() => Math.floor(Date.now() / 1000) >= t + 2, "the clock to pass two seconds", 5_000, 20);
    const first = await started();
    const seen = await dovecot.deliver({ from: "alice@example.test", subject: "seen", text: "seen" });
    const ev = await first.reader.nextMessage(5_000);
    expect(ev.message.id).toBe(seen);
    await ev.accepted?.();
    await first.adapter.shutdown();
    const before = JSON.parse(readFileSync(first.stateFile, "utf8"));
    await dovecot.renewUidValidity();
    const fresh = await dovecot.deliver({ from: "alice@example.test", subject: "fresh", text: "fresh" });
    const second = await started({ stateFile: first.stateFile });
    // The gateway recognises the first by its Message-ID (the turn runtime's de-duplication); the old mail never comes.
    const ids = [(await second.reader.nextMessage(5_000)).message.id, (await second.reader.nextMessage(5_000)).message.id];
    expect(ids).toContain(seen);
    expect(ids).toContain(fresh);
    expect(ids).not.toContain(old);
    expect(second.logs.join("\n")).toContain("UIDVALIDITY");
    expect(JSON.parse(readFileSync(first.stateFile, "utf8")).uidValidity).not.toBe(before.uidValidity);
    await second.adapter.shutdown();
  });

  test("a refused login is a TerminalError, said plainly and without the password", async () => {
    const { adapter } = make({ password: "wrong-password-123" });
    const err = await adapter.start(new AbortController().signal).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(TerminalError);
    expect(err!.message).toContain("AUTHENTICATIONFAILED");
    expect(err!.message).not.toContain("wrong-password-123");
    // A folder that does not exist will not appear by retrying either.
    const { adapter: noFolder } = make({ folder: "Nope" });
    const err2 = await noFolder.start(new AbortController().signal).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err2).toBeInstanceOf(TerminalError);
    expect(err2!.message).toBe('IMAP folder "Nope" does not exist');
  });

  test("probe answers over NOOP; Dovecot stopped ends the stream with an error, and a new adapter connects when it is back", async () => {
    const { adapter, reader, stateFile } = await started();
    expect(await adapter.probe()).toBe(true);
    await dovecot.stop();
    const err = await reader.endError(10_000);
    expect(err.message).toMatch(/IMAP connection closed/);
    expect(await adapter.probe()).toBe(false);
    await dovecot.run();
    const next = await started({ stateFile });
    const id = await dovecot.deliver({ from: "alice@example.test", subject: "back", text: "are you back?" });
    expect((await next.reader.nextMessage(5_000)).message.id).toBe(id);
    await next.adapter.shutdown();
  });

  test("doctor's check: login and folder accepted; a wrong password and a missing folder fail, saying which, without the password", async () => {
    const signal = () => AbortSignal.timeout(10_000);
    const ok = await checkEmail(configFor(), signal());
    expect(ok.outcome).toBe("ok");
    expect(ok.detail).toContain('IMAP login accepted (bot@example.test), folder "INBOX"');
    const bad = await checkEmail(configFor({ password: "wrong-password-123" }), signal());
    expect(bad).toMatchObject({ outcome: "fail", detail: "IMAP login refused for bot@example.test (AUTHENTICATIONFAILED)" });
    expect(JSON.stringify(bad)).not.toContain("wrong-password-123");
    const missing = await checkEmail(configFor({ folder: "Nope" }), signal());
    expect(missing).toMatchObject({ outcome: "fail", detail: 'IMAP folder "Nope" does not exist' });
  });
});
