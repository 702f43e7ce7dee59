import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/core/errors.ts";
import { interpolate } from "../../src/core/config/interpolate.ts";
import { formatKeyPath } from "../../src/core/config/keypath.ts";
import { formatHostPort, parseHostPort } from "../../src/core/util/listen.ts";
import { locateKey } from "../../src/core/config/locate.ts";
import { allowedKeysAt } from "../../src/core/config/shape.ts";
import { configSchema } from "../../src/core/config/schema.ts";
import { collectSecrets } from "../../src/core/config/secrets.ts";
import { didYouMean, editDistance } from "../../src/core/util/suggest.ts";

describe("locateKey", () => {
  const text = [
    "# comment with [fake.header] and key = 1", // 1
    'title = "x" # trailing', // 2
    "", // 3
    "[agent]", // 4
    '  model = "a # not a comment"', // 5
    'system_prompt = """', // 6
    "[not.a.header]", // 7
    'fake = "inside a string"', // 8
    '"""', // 9
    "", // 10
    '[ adapters . "my bot" ]', // 11
    'kind = "webchat"', // 12
    "channels = [", // 13
    '  "#a",  # first', // 14
    '  "#b",', // 15
    "]", // 16
    'dotted.inner.key = 1', // 17
    "inline = { a = 1, nested = { b = [1, 2] } }", // 18
    "", // 19
    "[[items]]", // 20
    "name = 'one'", // 21
    "[[items]]", // 22
    "name = 'two'", // 23
    "[items.sub]", // 24
    "x = 1", // 25
  ].join("\n");
  const at = (...path: (string | number)[]) => {
    const p = locateKey(text, path);
    return [p.line, p.column];
  };

  test("keys, headers and quoted keys", () => {
    expect(at("title")).toEqual([2, 1]);
    expect(at("agent")).toEqual([4, 2]);
    expect(at("agent", "model")).toEqual([5, 3]);
    expect(at("agent", "system_prompt")).toEqual([6, 1]);
    expect(at("adapters")).toEqual([11, 3]);
    expect(at("adapters", "my bot")).toEqual([11, 14]);
    expect(at("adapters", "my bot", "kind")).toEqual([12, 1]);
  });

  test("multi-line strings and comments hide look-alike keys", () => {
    expect(at("not")).toEqual([1, 1]);
    expect(at("agent", "fake")).toEqual([4, 2]);
    expect(at("fake")).toEqual([1, 1]);
  });

  test("arrays, dotted keys and inline tables", () => {
    expect(at("adapters", "my bot", "channels")).toEqual([13, 1]);
    expect(at("adapters", "my bot", "channels", 1)).toEqual([15, 3]);
    expect(at("adapters", "my bot", "dotted", "inner", "key")).toEqual([17, 14]);
    expect(at("adapters", "my bot", "inline", "nested", "b", 1)).toEqual([18, 38]);
  });

  test("arrays of tables count their elements", () => {
    expect(at("items", 0, "name")).toEqual([21, 1]);
    expect(at("items", 1, "name")).toEqual([23, 1]);
    expect(at("items", 1, "sub", "x")).toEqual([25, 1]);
  });

  test("falls back to the closest written ancestor, else 1:1", () => {
    expect(at("agent", "missing")).toEqual([4, 2]);
    expect(at("adapters", "my bot", "listen")).toEqual([11, 14]);
    expect(at("nothing", "here")).toEqual([1, 1]);
    expect(at()).toEqual([1, 1]);
  });

  test("CRLF line endings", () => {
    expect(locateKey('[a]\r\nb = 1\r\n  c = "x"\r\n', ["a", "c"])).toEqual({ line: 3, column: 3 });
  });
});

describe("interpolate", () => {
  const source = { file: "f.toml", text: '[a]\nlist = ["x", "${NOPE}"]\n' };

  test("walks nested tables and arrays without mutating the input", () => {
    const input = { a: { list: ["${A}", "$${A}", 3, "$$", "${A}${B}"] }, n: 1, t: true };
    const out = interpolate(input, { A: "1", B: "2" }, source);
    expect(out).toEqual({ a: { list: ["1", "${A}", 3, "$$", "12"] }, n: 1, t: true });
    expect(input.a.list[0]).toBe("${A}");
  });

  test("does not expand substituted text again; empty values are allowed", () => {
    expect(interpolate({ v: "${A}" }, { A: "${B}" }, source)).toEqual({ v: "${B}" });
    expect(interpolate({ v: "<${A}>" }, { A: "" }, source)).toEqual({ v: "<>" });
  });

  test("a missing variable inside an array names the element", () => {
    let err: unknown;
    try {
      interpolate({ a: { list: ["x", "${NOPE}"] } }, {}, source);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.key).toBe("a.list[1]");
    expect(e.message).toContain("NOPE");
    expect([e.line, e.column]).toEqual([2, 14]);
  });
});

describe("listen addresses", () => {
  test("parse and format", () => {
    expect(parseHostPort("127.0.0.1:7420")).toEqual({ host: "127.0.0.1", port: 7420 });
    expect(parseHostPort("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(parseHostPort("[fe80::1%eth0]:80")).toEqual({ host: "fe80::1%eth0", port: 80 });
    for (const bad of ["", ":80", "h:", "h:0", "h:65536", "h:+80", "h: 80", "h:0x50", "::1:80", "[::1]", "[]:80", "a b:80", "-x:80"]) {
      expect(parseHostPort(bad)).toBeUndefined();
    }
    expect(formatHostPort({ host: "::1", port: 80 })).toBe("[::1]:80");
    expect(formatHostPort({ host: "localhost", port: 1 })).toBe("localhost:1");
  });
});

describe("key paths, allowed keys, secrets", () => {
  test("formatKeyPath quotes what TOML would quote", () => {
    expect(formatKeyPath(["adapters", "my bot", "channels", 0])).toBe('adapters."my bot".channels[0]');
    expect(formatKeyPath([])).toBe("");
  });

  test("allowedKeysAt follows tables, records and the adapter kind", () => {
    const data = { adapters: { web: { kind: "webchat" } } };
    expect(allowedKeysAt(configSchema(), [], data)).toEqual(["agent", "gateway", "installs", "adapters", "integrations", "voice"]);
    expect(allowedKeysAt(configSchema(), ["gateway"], data)).toEqual(expect.arrayContaining(["shutdown_timeout_ms", "first_start_timeout_ms"]));
    expect(allowedKeysAt(configSchema(), ["adapters", "web"], data)).toEqual(expect.arrayContaining(["kind", "listen", "title", "stale_after_ms"]));
    expect(allowedKeysAt(configSchema(), ["agent", "model"], data)).toEqual([]);
    expect(allowedKeysAt(configSchema(), ["nope", "x"], data)).toEqual([]);
  });

  test("collectSecrets finds secret keys at any depth, longest first, once each", () => {
    const data = { agent: { api_key: "short", model: "not-secret" }, adapters: { a: { token: "a-longer-one", password: "" }, b: { secret: "short" } } };
    expect(collectSecrets(data)).toEqual(["a-longer-one", "short"]);
  });
});

describe("didYouMean", () => {
  const keys = ["provider", "base_url", "model", "api_key", "system_prompt", "timeout_ms"];
  test("suggests close matches, case-insensitively", () => {
    expect(didYouMean("lisen", ["kind", "listen", "title"])).toBe("listen");
    expect(didYouMean("modle", keys)).toBe("model");
    expect(didYouMean("Model", keys)).toBe("model");
    expect(didYouMean("apikey", keys)).toBe("api_key");
    expect(didYouMean("timeout", keys)).toBe("timeout_ms");
    expect(didYouMean("systemprompt", keys)).toBe("system_prompt");
  });
  test("stays quiet when nothing is close", () => {
    expect(didYouMean("x", ["id", "kind"])).toBeUndefined();
    expect(didYouMean("installs", ["agent", "gateway", "adapters"])).toBeUndefined();
    expect(didYouMean("anything", [])).toBeUndefined();
  });
  test("edit distance counts a transposition as one edit", () => {
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
});

test("an MCP server's env values read from the environment are secrets whatever their names; literal ones are not", async () => {
  const { parseConfig } = await import("../../src/core/config/load.ts");
  const text = `[integrations.mcp.files]\ncommand = ["x"]\nenv = { KEY = "\${FILES_KEY}", ALLOWED_DIR = "/srv/shared", GITHUB_TOKEN = "ghp_literal_token_1234" }\n`;
  const { secrets } = parseConfig(text, "x.toml", { FILES_KEY: "files-key-value-123" });
  expect(secrets).toContain("files-key-value-123");
  expect(secrets).toContain("ghp_literal_token_1234");
  expect(secrets).not.toContain("/srv/shared");
});

test("an MCP server table: a misspelled key gets its did-you-mean; neither or both of command and url say which", async () => {
  const { parseConfig } = await import("../../src/core/config/load.ts");
  const error = (text: string) => {
    try {
      parseConfig(text, "x.toml", {});
    } catch (e) {
      return String((e as Error).message);
    }
    return "no error";
  };
  expect(error('[integrations.mcp.files]\ncommnd = ["x"]\n')).toContain('unknown key "commnd"');
  expect(error('[integrations.mcp.files]\ncommand = ["x"]\nurl = "http://127.0.0.1:1/mcp"\n')).toContain("not both");
  expect(error('[integrations.mcp.files]\nallow = ["a"]\n')).toContain("give command (a stdio server) or url");
});
