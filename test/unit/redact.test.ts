import { describe, expect, test } from "bun:test";
import { collectSecrets, envSecrets, isSecretKey, secretValues } from "../../src/core/config/secrets.ts";
import { Redactor, redactPatterns } from "../../src/core/util/redact.ts";
import { safeUrl } from "../../src/core/util/url.ts";

describe("Redactor", () => {
  test("hides literal secrets, also URL-encoded and JSON-escaped, from 4 characters on", () => {
    const r = new Redactor();
    r.set(["p@ss/word-42", 'quo"ted-secret', "pw4#", "abc12", "xyz"]);
    expect(r.apply("a p@ss/word-42 b p%40ss%2Fword-42")).toBe("a [redacted] b [redacted]");
    expect(r.apply(JSON.stringify({ v: 'x quo"ted-secret' }))).toBe('{"v":"x [redacted]"}');
    // An IRC password may be this short (the schema sets no minimum): still hidden, also URL-encoded.
    expect(r.apply("PASS pw4# / pw4%23, code abc12")).toBe("PASS [redacted] / [redacted], code [redacted]");
    // Below 4 characters a value would shred ordinary text: not redacted.
    expect(r.apply("xyz")).toBe("xyz");
  });

  test("add keeps the secrets already set", () => {
    const r = new Redactor();
    r.set(["first-secret"]);
    r.add(["second-secret"]);
    expect(r.apply("first-secret second-secret")).toBe("[redacted] [redacted]");
  });

  test("deep redacts every string of a JSON value, keys included, and leaves other values alone", () => {
    const r = new Redactor();
    r.set(["hunter22-secret"]);
    const out: unknown = r.deep({ a: ["x hunter22-secret", 3, true, null], "hunter22-secret": { at: new Date(0) } });
    expect(out).toEqual({ a: ["x [redacted]", 3, true, null], "[redacted]": { at: "1970-01-01T00:00:00.000Z" } });
  });

  test("a short secret that is also an ordinary word is hidden as a word, never inside others, keys or status vocabulary", () => {
    const r = new Redactor();
    r.set(["chat", "state", "running"]);
    expect(r.apply("webchat is running; chatty chat")).toBe("webchat is [redacted]; chatty [redacted]");
    const status = { gateway: { state: "running" }, adapters: [{ name: "web", kind: "webchat", state: "running", lastError: "chat running" }] };
    expect(r.deep(status)).toEqual({ gateway: { state: "running" }, adapters: [{ name: "web", kind: "webchat", state: "running", lastError: "[redacted] [redacted]" }] });
  });
});

describe("redactPatterns", () => {
  test("bearer tokens and API keys, but not prose", () => {
    expect(redactPatterns("Incorrect API key provided: Bearer abc123XYZ.def")).toBe("Incorrect API key provided: Bearer [redacted]");
    expect(redactPatterns("key sk-proj-AbCdEf123456 end")).toBe("key [redacted] end");
    expect(redactPatterns("sk-abcdefghijklmnop and sk-learn-is-great")).toBe("[redacted] and sk-learn-is-great");
    expect(redactPatterns("missing or wrong bearer token; Bearer tokens expire")).toBe("missing or wrong bearer token; Bearer tokens expire");
    expect(redactPatterns("bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 down")).toBe("bot [redacted] down");
  });

  test("URL passwords and credential query parameters", () => {
    expect(redactPatterns("GET https://me:s3cret@host.example/x failed")).toBe("GET https://me:[redacted]@host.example/x failed");
    expect(redactPatterns("https://h/m.bin?token=abc&page=2&access_token=def#x")).toBe("https://h/m.bin?token=[redacted]&page=2&access_token=[redacted]#x");
    expect(redactPatterns("https://h/m?X-Amz-Signature=ff00&apiKey=k1&sig=zz")).toBe("https://h/m?X-Amz-Signature=[redacted]&apiKey=[redacted]&sig=[redacted]");
    expect(redactPatterns("http://[::1]:7420/ and http://127.0.0.1:8080/path?q=1")).toBe("http://[::1]:7420/ and http://127.0.0.1:8080/path?q=1");
  });

  test("a token of any length in a Bot API URL, but not prose or times", () => {
    expect(redactPatterns("POST https://api.telegram.org/bot123456:AAE-secret_part/getUpdates failed")).toBe("POST https://api.telegram.org/bot[redacted]/getUpdates failed");
    expect(redactPatterns("the robot12:30 and the bot at 12:30")).toBe("the robot12:30 and the bot at 12:30");
  });

  test("safeUrl: scheme, host and path, the path through the same rules", () => {
    expect(safeUrl("https://me:pw@api.telegram.org/bot123456:AAE-secret_part/getFile?file_id=1#x")).toBe("https://api.telegram.org/bot[redacted]/getFile");
    expect(safeUrl("http://127.0.0.1:8080/models/a.bin?token=t0k&size=3")).toBe("http://127.0.0.1:8080/models/a.bin");
    expect(safeUrl("not a url")).toBe("(invalid URL)");
  });
});

describe("secret keys", () => {
  test("by name or by suffix, headers included", () => {
    for (const k of ["api_key", "token", "secret", "password", "oauth_token", "sasl_password", "nickserv_password", "client_secret", "refresh_token", "headers", "extra_headers"]) {
      expect(isSecretKey(k)).toBe(true);
    }
    for (const k of ["model", "sasl_username", "nick", "listen", "tokens_per_minute", "url"]) expect(isSecretKey(k)).toBe(false);
  });

  test("collectSecrets: suffix keys, every value under headers, and credential parts of URLs anywhere", () => {
    const data = {
      adapters: { chat: { sasl_password: "sasl-pw-1", nickserv_password: "ns-pw-2", nick: "bot" }, x: { future_token: "fut-3", headers: { Authorization: "Basic aGk=", "X-Id": "id-4" } } },
      installs: { custom: [{ url: "https://u:url-pw-5@h.example/m.bin?token=tok-6&size=9" }], mirror: "https://h.example" },
    };
    expect(collectSecrets(data).sort()).toEqual(["Basic aGk=", "fut-3", "id-4", "ns-pw-2", "sasl-pw-1", "tok-6", "url-pw-5"]);
  });

  test("secretValues: the config's secrets at any length the Redactor takes, environment values from 6 characters", () => {
    const env = { OPENAI_API_KEY: "plainEnvKey0123", FEATURE_TOKEN: "true", GITHUB_TOKEN: "ghp12", HOME: "/home/me" };
    const all = secretValues({ secrets: ["nick5", "pw4#"] }, env);
    expect(all.sort()).toEqual(["nick5", "plainEnvKey0123", "pw4#"]);
    expect(secretValues(null, env)).toEqual(["plainEnvKey0123"]);
    // A short env value the config also holds (api_key = "\${GITHUB_TOKEN}") is a config secret.
    const r = new Redactor();
    r.set(secretValues({ secrets: ["ghp12"] }, env));
    expect(r.apply("ghp12 plainEnvKey0123 nick5 true")).toBe("[redacted] [redacted] nick5 true");
  });

  test("envSecrets: variables named like secrets", () => {
    expect(envSecrets({ OPENAI_API_KEY: "sk-env", HOME: "/home/me", GITHUB_TOKEN: "ghp", EMPTY_TOKEN: "" }).sort()).toEqual(["ghp", "sk-env"]);
  });
});

test("a Slack Socket Mode URL's ticket is hidden", async () => {
  const { Redactor } = await import("../../src/core/util/redact.ts");
  const out = new Redactor().apply("cannot connect to wss://wss-primary.slack.com/link/?ticket=abc123def456&app_id=A1");
  expect(out).not.toContain("abc123def456");
  expect(out).toContain("app_id=A1");
});
