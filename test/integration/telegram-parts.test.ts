import { afterEach, describe, expect, test } from "bun:test";
import { redactToken, TelegramApi, TelegramNetworkError } from "../../src/core/adapters/telegram/api.ts";
import { toInbound } from "../../src/core/adapters/telegram/map.ts";
import { splitText, TELEGRAM_MAX_TEXT } from "../../src/core/adapters/telegram/split.ts";
import { parseUpdates } from "../../src/core/adapters/telegram/wire.ts";

const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("splitText", () => {
  test("short and exact-limit texts stay whole; whitespace-only gives nothing", () => {
    expect(splitText("hi")).toEqual(["hi"]);
    const exact = "x".repeat(TELEGRAM_MAX_TEXT);
    expect(splitText(exact)).toEqual([exact]);
    expect(splitText(" \n\t ")).toEqual([]);
  });

  test("prefers a newline, then a space, in the second half of the window", () => {
    const para = "a".repeat(3000) + "\n" + "b".repeat(500) + " " + "c".repeat(1000);
    expect(splitText(para).map((c) => c.length)).toEqual([3000, 1501]);
    const words = "a".repeat(3000) + " " + "b".repeat(2000);
    expect(splitText(words)).toEqual(["a".repeat(3000), "b".repeat(2000)]);
    // A newline too early would make a tiny chunk: cut at the limit instead.
    const early = "a\n" + "b".repeat(5000);
    expect(splitText(early).map((c) => c.length)).toEqual([4096, 906]);
  });

  test("never splits a surrogate pair and never exceeds the limit", () => {
    const text = "a".repeat(4095) + "😀" + "b";
    const chunks = splitText(text);
    expect(chunks).toEqual(["a".repeat(4095), "😀b"]);
    const emoji = "😀".repeat(5000); // 10,000 code units
    const parts = splitText(emoji);
    expect(parts.join("")).toBe(emoji);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
      expect(hasLoneSurrogate(p)).toBe(false);
    }
  });
});

describe("wire parsing and mapping", () => {
  test("a result that is not a list of updates is a protocol error", () => {
    expect(() => parseUpdates({})).toThrow("not an array");
    expect(() => parseUpdates([{ message: {} }])).toThrow("update_id");
  });

  test("messages without text, and malformed messages, map to nothing", () => {
    const [sticker, broken] = parseUpdates([
      { update_id: 1, message: { message_id: 1, chat: { id: 5, type: "private" }, date: 0, sticker: {} } },
      { update_id: 2, message: { message_id: "x" } },
    ]);
    expect(toInbound(sticker!)).toBeUndefined();
    expect(toInbound(broken!)).toBeUndefined();
  });

  test("reply-chain thread ids outside forum topics are not threads", () => {
    const [u] = parseUpdates([{ update_id: 3, message: { message_id: 9, message_thread_id: 4, chat: { id: -1001, type: "supergroup" }, from: { id: 1, is_bot: false, first_name: "A" }, date: 0, text: "re" } }]);
    expect(toInbound(u!)).toEqual({ id: "-1001:9", conversation: "-1001", thread: undefined, user: "A", text: "re" });
  });
});

describe("token redaction", () => {
  const token = "123456:AAE-secret_part";
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  test("redactToken hides bot<token> in URLs and the bare token", () => {
    expect(redactToken(`GET https://api.telegram.org/bot${token}/getMe failed`, token)).toBe("GET https://api.telegram.org/bot[redacted]/getMe failed");
    expect(redactToken(`token ${token}`, token)).toBe("token [redacted]");
  });

  test("a fetch error quoting the URL (as Deno's do) reaches no message unredacted", async () => {
    globalThis.fetch = (async (input: string | URL | Request) => {
      throw new TypeError(`error sending request for url (${String(input)}): client error (Connect): Connection refused`);
    }) as unknown as typeof fetch;
    const api = new TelegramApi("http://127.0.0.1:1", token);
    const err = (await api.call("getMe", {}, { timeoutMs: 1000 }).catch((e: unknown) => e)) as TelegramNetworkError;
    expect(err).toBeInstanceOf(TelegramNetworkError);
    expect(err.message).toContain("bot[redacted]/getMe");
    expect(`${err.message}${err.stack}`).not.toContain("secret_part");
  });
});
