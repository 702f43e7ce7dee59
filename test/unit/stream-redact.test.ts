import { describe, expect, test } from "bun:test";
import { Redactor } from "../../src/core/log.ts";
import { RedactedStream } from "../../src/core/sessions/stream-redact.ts";

const SECRET = "sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e";

function run(deltas: string[], secrets: string[] = [SECRET]) {
  const r = new Redactor();
  r.set(secrets);
  const out: string[] = [];
  let shown = "";
  const s = new RedactedStream(
    (t) => r.apply(t),
    (t) => {
      out.push(t);
      shown += t;
    },
    () => {
      out.push("<restart>");
      shown = "";
    },
  );
  for (const d of deltas) s.push(d);
  return { out, shown };
}

describe("streamed text is redacted before it is shown", () => {
  test("a secret split over deltas at every possible point never appears, not even in part", () => {
    const text = `your key is ${SECRET} and more text`;
    for (let a = 1; a < text.length - 1; a++) {
      for (const b of [a + 1, a + 5, a + 17]) {
        const { out, shown } = run([text.slice(0, a), text.slice(a, b), text.slice(b)]);
        for (const piece of out) expect(piece).not.toContain(SECRET.slice(0, 12));
        expect(shown).not.toContain(SECRET.slice(8));
        expect(shown).toContain("your key is");
      }
    }
  });

  test("plain text streams word by word; a word is shown once whitespace follows it", () => {
    expect(run(["Hel", "lo ", "wor", "ld and", " more"]).out).toEqual(["Hello ", "world ", "and "]);
  });

  test("a retry voids what was shown", () => {
    const r = new Redactor();
    const out: string[] = [];
    const s = new RedactedStream((t) => r.apply(t), (t) => out.push(t), () => out.push("<restart>"));
    s.push("first try ");
    s.restart();
    s.push("second ");
    expect(out).toEqual(["first try ", "<restart>", "second "]);
  });

  test("a literal secret with spaces (a passphrase) is not shown word by word", () => {
    const phrase = "correct horse battery staple";
    const r = new Redactor();
    r.set([phrase]);
    let shown = "";
    const out: string[] = [];
    const s = new RedactedStream((t) => r.apply(t), (t) => (out.push(t), (shown += t)), () => (out.push("<restart>"), (shown = "")), r.longest);
    for (const w of `the password is ${phrase} , keep it safe and sound `.split(/(?<= )/)) s.push(w);
    expect(out.join("")).not.toContain("horse");
    expect(shown).toContain("the password is");
  });

  test("text without spaces (Chinese) streams; a long stream of tiny deltas is redacted a bounded number of times", () => {
    expect(run(["你好", "，世界", "。今天"]).out.join("")).toBe("你好，世界。今天");
    let calls = 0;
    const s = new RedactedStream((t) => (calls++, t), () => undefined, () => undefined);
    for (let i = 0; i < 16_000; i++) s.push(i % 5 === 4 ? " " : "a");
    expect(calls).toBeLessThan(1_500);
  });
});
