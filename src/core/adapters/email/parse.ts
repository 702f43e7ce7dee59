import type { ParsedMail } from "mailparser";

/** The bare, lower-case address in "Name <a@b>" or "a@b"; undefined when there is none. */
export function bareAddress(text: string): string | undefined {
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(text) ?? /([^\s<>"]+@[^\s<>"]+)/.exec(text);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Whether `address` is allowed by allow_from (lower-case addresses or domains). */
export function allowed(address: string, allowFrom: readonly string[]): boolean {
  const a = address.toLowerCase();
  const domain = a.slice(a.lastIndexOf("@") + 1);
  return allowFrom.some((e) => (e.includes("@") ? e === a : e === domain));
}

/** A header's value as text (mailparser gives structured objects for some headers). */
function headerText(mail: ParsedMail, name: string): string | undefined {
  const v = mail.headers.get(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "object" && "value" in v && typeof (v as { value: unknown }).value === "string") return (v as { value: string }).value;
  // Address headers (Return-Path) come as { value: [...], text }.
  if (typeof v === "object" && "text" in v && typeof (v as { text: unknown }).text === "string") return (v as { text: string }).text;
  return String(v);
}

/**
 * Why a mail must not be answered even from an allowed sender: an automatic message (RFC 3834
 * Auto-Submitted, Precedence bulk/junk/list, vacation responders' own headers), list mail or a
 * bounce. Answering any of those is how mail loops start. Undefined when it is a person's mail.
 */
export function automaticReason(mail: ParsedMail): string | undefined {
  const auto = headerText(mail, "auto-submitted")?.trim().toLowerCase();
  if (auto && !auto.startsWith("no")) return `Auto-Submitted: ${auto}`;
  const precedence = headerText(mail, "precedence")?.trim().toLowerCase();
  if (precedence && /^(bulk|junk|list|auto_reply)/.test(precedence)) return `Precedence: ${precedence}`;
  // mailparser gathers List-Id, List-Unsubscribe and the other List-* headers under "list".
  for (const h of ["list", "list-id", "list-unsubscribe", "list-post", "x-autoreply", "x-autorespond", "x-auto-response-suppress"]) {
    if (mail.headers.has(h)) return `${h} header`;
  }
  const returnPath = headerText(mail, "return-path");
  if (returnPath !== undefined && /^\s*<?\s*>?\s*$/.test(returnPath)) return "empty Return-Path (a bounce)";
  const type = mail.headers.get("content-type");
  const ct = typeof type === "object" && type !== null && "value" in type ? String((type as { value: unknown }).value) : String(type ?? "");
  if (/^multipart\/report/i.test(ct)) return "a delivery report";
  return undefined;
}

/** References as a list, whether mailparser gave one id (a string) or several (an array). */
export function referencesOf(mail: ParsedMail): string[] {
  const r = mail.references;
  const list = Array.isArray(r) ? r : typeof r === "string" ? r.split(/\s+/) : [];
  return list.map((x) => x.trim()).filter((x) => /^<[^<>\s]+>$/.test(x));
}

/** The thread a mail belongs to: the root of its References chain, else what it replies to, else itself. */
export function threadRoot(mail: ParsedMail, messageId: string): string {
  const refs = referencesOf(mail);
  if (refs[0]) return refs[0];
  const irt = mail.inReplyTo?.trim();
  if (irt && /^<[^<>\s]+>$/.test(irt)) return irt;
  return messageId;
}

/** An "On <date>, <someone> wrote:" attribution line, possibly wrapped over two lines. */
const ATTRIBUTION = /^\s*On\s.+wrote:\s*$/i;

/**
 * The new text of a mail: quoted history removed (lines starting with ">", the attribution line
 * before them and anything below it, an Outlook "Original Message" block, a "-- " signature).
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (ATTRIBUTION.test(line)) break;
    if (/^\s*On\s/i.test(line) && i + 1 < lines.length && ATTRIBUTION.test(`${line} ${lines[i + 1]}`) && /wrote:\s*$/i.test(lines[i + 1]!)) break;
    if (/^\s*-{2,}\s*Original Message\s*-{2,}\s*$/i.test(line)) break;
    if (line === "-- ") break;
    if (/^\s*>/.test(line)) continue;
    out.push(line);
  }
  return out.join("\n").trim();
}

/** The Subject of a reply: "Re: " once, however many the original carried. */
export function replySubject(subject: string): string {
  const s = subject.trim();
  if (s === "") return "Re:";
  return /^re\s*:/i.test(s) ? s : `Re: ${s}`;
}

/** A subject as a session title: without its "Re:"/"Fwd:" prefixes. */
export function subjectTitle(subject: string): string | undefined {
  const t = subject.replace(/^(\s*(re|fwd?|aw|sv)\s*:\s*)+/i, "").trim();
  return t === "" ? undefined : t.slice(0, 200);
}
