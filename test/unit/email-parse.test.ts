// The email adapter's reading of a mail: quoted history, subjects, threading ids, who may be
// answered and what is automatic mail. Parsed by the real mailparser from raw messages.
import { describe, expect, test } from "bun:test";
import { simpleParser } from "mailparser";
import { allowed, automaticReason, bareAddress, referencesOf, replySubject, stripQuoted, subjectTitle, threadRoot } from "../../src/core/adapters/email/parse.ts";

const mail = (headers: string, body = "hi") => simpleParser(`From: a@example.test\r\n${headers}${headers ? "\r\n" : ""}Content-Type: text/plain\r\n\r\n${body}\r\n`);

describe("email: reading a mail", () => {
  test("quoted history is removed: > lines, an On ... wrote: trailer (also wrapped), Original Message, a signature", () => {
    expect(stripQuoted("Yes.\n\nOn Mon, 1 Dec 2026 at 10:00, Bob <b@x.y> wrote:\n> old\n> older")).toBe("Yes.");
    expect(stripQuoted("Yes.\nOn Mon, 1 Dec 2026 at 10:00, Bob Someone\n<b@x.y> wrote:\n> old")).toBe("Yes.");
    expect(stripQuoted("> quoted first\nmy answer\n> more quote\nsecond line")).toBe("my answer\nsecond line");
    expect(stripQuoted("Hi\r\n\r\n-----Original Message-----\r\nFrom: x")).toBe("Hi");
    expect(stripQuoted("Hi\n-- \nBob, CEO")).toBe("Hi");
    expect(stripQuoted("On second thought, no.")).toBe("On second thought, no.");
  });

  test("a reply's subject has one Re:, a title none", () => {
    expect(replySubject("Lunch")).toBe("Re: Lunch");
    expect(replySubject("RE: Lunch")).toBe("RE: Lunch");
    expect(replySubject("re:Lunch")).toBe("re:Lunch");
    expect(replySubject("")).toBe("Re:");
    expect(subjectTitle("Re: Fwd: RE: Lunch")).toBe("Lunch");
    expect(subjectTitle("Re:")).toBeUndefined();
  });

  test("references are a list whether one id or several; the thread is the chain's root", async () => {
    const one = await mail("Message-ID: <c@x>\r\nReferences: <a@x>");
    expect(referencesOf(one)).toEqual(["<a@x>"]);
    expect(threadRoot(one, "<c@x>")).toBe("<a@x>");
    const many = await mail("Message-ID: <d@x>\r\nReferences: <a@x> <b@x>\r\n <c@x>");
    expect(referencesOf(many)).toEqual(["<a@x>", "<b@x>", "<c@x>"]);
    expect(threadRoot(many, "<d@x>")).toBe("<a@x>");
    const onlyIrt = await mail("Message-ID: <e@x>\r\nIn-Reply-To: <a@x>");
    expect(threadRoot(onlyIrt, "<e@x>")).toBe("<a@x>");
    const fresh = await mail("Message-ID: <f@x>");
    expect(threadRoot(fresh, "<f@x>")).toBe("<f@x>");
  });

  test("allow_from: an address or a whole domain, whatever the case; not a look-alike", () => {
    const allow = ["example.com", "friend@elsewhere.org"];
    expect(allowed("Alice@Example.COM", allow)).toBe(true);
    expect(allowed("friend@elsewhere.org", allow)).toBe(true);
    expect(allowed("enemy@elsewhere.org", allow)).toBe(false);
    expect(allowed("x@evil-example.com", allow)).toBe(false);
    expect(allowed("x@example.com.evil.test", allow)).toBe(false);
    expect(bareAddress("Bosun <Bot@Example.com>")).toBe("bot@example.com");
  });

  test("automatic mail is recognised: Auto-Submitted (not 'no'), Precedence, list headers, bounces", async () => {
    expect(automaticReason(await mail("Auto-Submitted: auto-replied"))).toBe("Auto-Submitted: auto-replied");
    expect(automaticReason(await mail("Auto-Submitted: auto-generated"))).toBeDefined();
    expect(automaticReason(await mail("Auto-Submitted: no"))).toBeUndefined();
    expect(automaticReason(await mail("Precedence: junk"))).toBe("Precedence: junk");
    expect(automaticReason(await mail("List-Unsubscribe: <mailto:u@x.y>"))).toBeDefined();
    expect(automaticReason(await mail("X-Autoreply: yes"))).toBeDefined();
    expect(automaticReason(await mail("Return-Path: <>"))).toBe("empty Return-Path (a bounce)");
    expect(automaticReason(await mail("Return-Path: <a@example.test>"))).toBeUndefined();
    expect(automaticReason(await mail(""))).toBeUndefined();
  });
});
