import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { SendQueue, TokenBucket } from "../../src/core/adapters/irc/flood.ts";
import { addressedText, stripFormatting, toInbound, twitchText } from "../../src/core/adapters/irc/inbound.ts";
import { escapeTagValue, formatMessage, IrcParseError, parseMessage, unescapeTagValue } from "../../src/core/adapters/irc/parse.ts";
import { IRC_LINE_BYTES, privmsgTextBudget, splitText, utf8Bytes } from "../../src/core/adapters/irc/split.ts";
import { systemClock } from "../../src/core/util/clock.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("parse", () => {
  test("tags, prefix, middle params and trailing", () => {
    const m = parseMessage("@msgid=abc123;+draft/reply=x\\sy;flag :nick!user@host.example PRIVMSG #chan :hello  world ");
    expect(m.tags).toEqual({ msgid: "abc123", "+draft/reply": "x y", flag: "" });
    expect(m.prefix).toEqual({ raw: "nick!user@host.example", nick: "nick", user: "user", host: "host.example" });
    expect(m.command).toBe("PRIVMSG");
    expect(m.params).toEqual(["#chan", "hello  world "]);
  });

  test("tag value escapes, unknown escapes and a trailing backslash", () => {
    const m = parseMessage("@a=\\:\\s\\\\\\r\\n;b=\\x\\y;c=end\\ CMD");
    expect(m.tags.a).toBe("; \\\r\n");
    expect(m.tags.b).toBe("xy");
    expect(m.tags.c).toBe("end");
    for (const v of ["plain", "semi;colon", "two  spaces", "back\\slash", "cr\rlf\n", "", "\\s literal"]) {
      expect(unescapeTagValue(escapeTagValue(v))).toBe(v);
      expect(escapeTagValue(v)).not.toMatch(/[; \r\n]/);
    }
  });

  test("forms without prefix, numerics, empty and absent trailing, extra spaces", () => {
    expect(parseMessage("PING :tok en")).toEqual({ tags: {}, command: "PING", params: ["tok en"] });
    expect(parseMessage(":srv 001 me :Welcome").params).toEqual(["me", "Welcome"]);
    expect(parseMessage("privmsg #a :").params).toEqual(["#a", ""]);
    expect(parseMessage("PRIVMSG   #a   hello").params).toEqual(["#a", "hello"]);
    expect(parseMessage(":irc.server NOTICE * :x").prefix).toEqual({ raw: "irc.server", nick: "irc.server" });
    expect(parseMessage("CAP * LS * :a b=c").params).toEqual(["*", "LS", "*", "a b=c"]);
  });

  test("malformed lines throw IrcParseError", () => {
    for (const bad of ["", ":prefix-only", "@tags-only", "@a=b :p", "12 x", "PRIV-MSG x", "PRIVMSG #a :x\ny", ": PRIVMSG #a :x", "@bad key=1 CMD"]) {
      expect(() => parseMessage(bad)).toThrow(IrcParseError);
    }
  });

  test("formatMessage adds ':' only where needed and refuses unsafe params without quoting them", () => {
    expect(formatMessage("PRIVMSG", ["#a", "hello world"])).toBe("PRIVMSG #a :hello world");
    expect(formatMessage("NICK", ["bot"])).toBe("NICK bot");
    expect(formatMessage("PRIVMSG", ["#a", ":)"])).toBe("PRIVMSG #a ::)");
    expect(formatMessage("PRIVMSG", ["#a", ""])).toBe("PRIVMSG #a :");
    expect(formatMessage("TAGMSG", ["#a"], { "+typing": "active", x: "a b;c" })).toBe("@+typing=active;x=a\\sb\\:c TAGMSG #a");
    expect(() => formatMessage("PRIVMSG", ["#a b", "x"])).toThrow(IrcParseError);
    let err: unknown;
    try {
      formatMessage("PASS", ["hunter2-secret\r\nQUIT"]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IrcParseError);
    expect(String((err as Error).message)).not.toContain("hunter2");
    const round = parseMessage(formatMessage("PRIVMSG", ["#a", "x y"], { k: "v;w" }));
    expect(round).toEqual({ tags: { k: "v;w" }, command: "PRIVMSG", params: ["#a", "x y"] });
  });
});

describe("split", () => {
  test("short text is one line; newlines split; blank lines dropped", () => {
    expect(splitText("hello", { maxBytes: 100 })).toEqual(["hello"]);
    expect(splitText("one\r\ntwo\n\n  \nthree\rfour", { maxBytes: 100 })).toEqual(["one", "two", "three", "four"]);
    expect(splitText("\n\n", { maxBytes: 100 })).toEqual([]);
    expect(splitText("nul\0 and \x01ctcp", { maxBytes: 100 })).toEqual(["nul and ctcp"]);
  });

  test("cuts at the last space that fits, dropping it", () => {
    expect(splitText("aaa bbb ccc", { maxBytes: 16 })).toEqual(["aaa bbb ccc"]);
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    const parts = splitText(words, { maxBytes: 20 });
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(utf8Bytes(p)).toBeLessThanOrEqual(20);
      expect(p).not.toMatch(/^ | $/);
    }
    expect(parts.join(" ")).toBe(words);
  });

  test("byte limit with multi-byte characters: nothing lost, no character cut", () => {
    const text = "é€𝄞ü漢".repeat(200);
    for (const maxBytes of [16, 17, 18, 19, 50, 451]) {
      const parts = splitText(text, { maxBytes });
      expect(parts.join("")).toBe(text);
      for (const p of parts) {
        expect(utf8Bytes(p)).toBeLessThanOrEqual(maxBytes);
        expect(Buffer.from(p, "utf8").toString("utf8")).toBe(p);
        expect(LONE_SURROGATE.test(p)).toBe(false);
      }
    }
    expect(utf8Bytes("é€𝄞")).toBe(Buffer.byteLength("é€𝄞"));
  });

  test("grapheme clusters stay whole", () => {
    const thumbs = "👍🏽".repeat(30); // 8 bytes each
    for (const p of splitText(thumbs, { maxBytes: 20 })) expect(p).toMatch(/^(👍🏽)+$/u);
    const family = "👨‍👩‍👧".repeat(10);
    expect(splitText(family, { maxBytes: 40 }).join("")).toBe(family);
    for (const p of splitText(family, { maxBytes: 40 })) expect(p).toMatch(/^(👨‍👩‍👧)+$/u);
  });

  test("maxChars (Twitch's 500) applies as well as bytes", () => {
    const parts = splitText("a".repeat(1200), { maxBytes: 450, maxChars: 500 });
    expect(parts.map((p) => p.length)).toEqual([450, 450, 300]);
    const parts2 = splitText("x".repeat(1200), { maxBytes: 10_000, maxChars: 500 });
    expect(parts2.map((p) => p.length)).toEqual([500, 500, 200]);
  });

  test("budget: the relayed line including prefix and CRLF is at most 512 bytes", () => {
    const prefix = "bosunbot!~bosunbot@some.long.host.name.example.org";
    const target = "#bosun-channel";
    const budget = privmsgTextBudget(target, prefix);
    const text = "ünïcødé and words 𝄞 ".repeat(100);
    for (const p of splitText(text, { maxBytes: budget })) {
      const line = `:${prefix} PRIVMSG ${target} :${p}\r\n`;
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(IRC_LINE_BYTES);
    }
    expect(Buffer.byteLength(`:${prefix} PRIVMSG ${target} :${"x".repeat(budget)}\r\n`)).toBe(IRC_LINE_BYTES);
    expect(() => splitText("x", { maxBytes: privmsgTextBudget("#".repeat(500), prefix) })).toThrow(/too long/);
  });
});

describe("flood control", () => {
  test("token bucket: burst, then one token per interval, capped at capacity", async () => {
    const clock = new FakeClock();
    const b = new TokenBucket(3, 100, () => clock.monotonic());
    expect([b.take(), b.take(), b.take()]).toEqual([0, 0, 0]);
    expect(b.take()).toBe(100);
    await clock.advance(40);
    expect(b.take()).toBe(60);
    await clock.advance(60);
    expect(b.take()).toBe(0);
    expect(b.take()).toBe(100);
    await clock.advance(10_000);
    expect([b.take(), b.take(), b.take(), b.take() > 0]).toEqual([0, 0, 0, true]);
  });

  test("send queue: writes in order at the bucket's pace; close rejects the rest and stops the timer", async () => {
    const clock = new FakeClock();
    const t0 = clock.monotonic();
    const written: Array<[string, number]> = [];
    const q = new SendQueue({ burst: 2, intervalMs: 100, clock, write: (l) => void written.push([l, clock.monotonic() - t0]) });
    const all = q.pushAll(["1", "2", "3", "4", "5"]);
    expect(written.map((w) => w[0])).toEqual(["1", "2"]);
    await clock.advance(100);
    expect(written.map((w) => w[0])).toEqual(["1", "2", "3"]);
    await clock.advance(200);
    await all;
    expect(written).toEqual([["1", 0], ["2", 0], ["3", 100], ["4", 200], ["5", 300]]);
    const late = q.push("6");
    expect(q.pending).toBe(1);
    q.close(new Error("stopped"));
    await expect(late).rejects.toThrow("stopped");
    expect(clock.pending).toBe(0);
    await expect(q.push("7")).rejects.toThrow("stopped");
  });

  test("a write that throws rejects that line only", async () => {
    const out: string[] = [];
    const q = new SendQueue({ burst: 10, intervalMs: 100, clock: systemClock, write: (l) => (l === "bad" ? (() => { throw new Error("boom"); })() : void out.push(l)) });
    const results = await Promise.allSettled([q.push("a"), q.push("bad"), q.push("b")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(out).toEqual(["a", "b"]);
  });

  test("a waiting queue does not keep the process alive", async () => {
    const flood = resolve(import.meta.dir, "../../src/core/adapters/irc/flood.ts");
    const clock = resolve(import.meta.dir, "../../src/core/util/clock.ts");
    const script = `import { SendQueue } from ${JSON.stringify(flood)};
      import { systemClock } from ${JSON.stringify(clock)};
      const q = new SendQueue({ burst: 1, intervalMs: 600000, clock: systemClock, write: () => {} });
      q.pushAll(["a", "b", "c"]).catch(() => {});
      console.log("pending", q.pending);`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const t0 = Date.now();
    // A ref'd timer would hold the child for 10 minutes; kill it long before that so the test fails cleanly.
    const guard = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    clearTimeout(guard);
    expect(out).toContain("pending 2");
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe("inbound rules", () => {
  const msg = (line: string) => parseMessage(line);
  const id = () => "generated";

  test("IRC channel: only lines addressed to the bot, prefix stripped", () => {
    expect(toInbound(msg(":alice!a@h PRIVMSG #Test :bosunbot: hello there"), "bosunbot", { kind: "irc" }, id)).toEqual({ id: "generated", conversation: "#test", user: "alice", text: "hello there" });
    expect(toInbound(msg(":alice!a@h PRIVMSG #test :BosunBot, hi"), "bosunbot", { kind: "irc" }, id)?.text).toBe("hi");
    expect(toInbound(msg(":alice!a@h PRIVMSG #test :hello everyone"), "bosunbot", { kind: "irc" }, id)).toBeNull();
    expect(toInbound(msg(":alice!a@h PRIVMSG #test :bosunbotx: hi"), "bosunbot", { kind: "irc" }, id)).toBeNull();
    expect(toInbound(msg(":alice!a@h PRIVMSG #test :bosunbot:"), "bosunbot", { kind: "irc" }, id)).toBeNull();
    expect(toInbound(msg("@msgid=m1 :alice!a@h PRIVMSG #test :bosunbot: x"), "bosunbot", { kind: "irc" }, id)?.id).toBe("m1");
  });

  test("private messages, own lines, CTCP, notices and formatting", () => {
    expect(toInbound(msg(":Alice!a@h PRIVMSG bosunbot :\x02bold\x02 \x0304,01red\x03 question"), "bosunbot", { kind: "irc" }, id)).toEqual({ id: "generated", conversation: "Alice", user: "Alice", text: "bold red question" });
    expect(toInbound(msg(":bosunbot!b@h PRIVMSG #test :bosunbot: me"), "bosunbot", { kind: "irc" }, id)).toBeNull();
    expect(toInbound(msg(":alice!a@h PRIVMSG bosunbot :\x01VERSION\x01"), "bosunbot", { kind: "irc" }, id)).toBeNull();
    expect(toInbound(msg(":alice!a@h PRIVMSG #test :\x01ACTION bosunbot: waves\x01"), "bosunbot", { kind: "irc" }, id)).toBeNull();
    expect(toInbound(msg(":alice!a@h NOTICE bosunbot :hi"), "bosunbot", { kind: "irc" }, id)).toBeNull();
    expect(toInbound(msg(":alice!a@h PRIVMSG someoneelse :hi"), "bosunbot", { kind: "irc" }, id)).toBeNull();
    expect(stripFormatting("\x1ditalic\x1d \x04FF0000red\x0f")).toBe("italic red");
    expect(addressedText("  bot,   spaced  ", "bot")).toBe("spaced");
  });

  test("Twitch: mentions or trigger prefix; id and display-name tags", () => {
    const line = "@id=abc-1;display-name=Some\\sUser :someuser!someuser@someuser.tmi.twitch.tv PRIVMSG #chan :@bosunbot what's up";
    expect(toInbound(msg(line), "bosunbot", { kind: "twitch" }, id)).toEqual({ id: "abc-1", conversation: "#chan", user: "Some User", text: "what's up" });
    expect(twitchText("hey @BosunBot how are you", "bosunbot", undefined)).toBe("hey @BosunBot how are you");
    expect(twitchText("bosunbot: hi", "bosunbot", undefined)).toBe("hi");
    expect(twitchText("@bosunbot, hi", "bosunbot", undefined)).toBe("hi");
    expect(twitchText("@bosunbotfan hi", "bosunbot", undefined)).toBeNull();
    expect(twitchText("just chatting", "bosunbot", undefined)).toBeNull();
    expect(twitchText("!ask what time is it", "bosunbot", "!ask")).toBe("what time is it");
    expect(twitchText("@bosunbot hi", "bosunbot", "!ask")).toBeNull();
  });
});
