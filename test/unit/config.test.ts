import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BosunError, ConfigError, ExitCode } from "../../src/core/errors.ts";
import { configJsonSchema } from "../../src/core/config/jsonschema.ts";
import { defaultConfig, discoverConfigPath, loadConfig, parseConfig } from "../../src/core/config/load.ts";
import { checkConfigText } from "../helpers/config.ts";
import { ADAPTER_KINDS } from "../../src/core/adapters/registry.ts";
import { CONFIG_TEMPLATE } from "../../src/core/config/template.ts";

/** The ConfigError that parsing `text` raises; fails the test when it parses. */
function configError(text: string, env: Record<string, string | undefined> = {}): ConfigError {
  const err = checkConfigText(text, "/etc/bosun.toml", env);
  if (err === null) throw new Error("expected a config error");
  return err;
}

const WEB = '[adapters.web]\nkind = "webchat"\n';

describe("discoverConfigPath", () => {
  function layout() {
    const root = mkdtempSync(join(tmpdir(), "bosun-config-"));
    const cwd = join(root, "project");
    const xdg = join(root, "xdg");
    const home = join(root, "home");
    mkdirSync(cwd);
    mkdirSync(join(xdg, "bosun"), { recursive: true });
    mkdirSync(join(home, ".config", "bosun"), { recursive: true });
    const flagFile = join(root, "flag.toml");
    const envFile = join(root, "env.toml");
    for (const f of [flagFile, envFile, join(cwd, "bosun.toml"), join(xdg, "bosun", "bosun.toml"), join(home, ".config", "bosun", "bosun.toml")]) {
      writeFileSync(f, WEB);
    }
    return { root, cwd, xdg, home, flagFile, envFile };
  }

  test("follows flag, $BOSUN_CONFIG, ./bosun.toml, $XDG_CONFIG_HOME, then the default", () => {
    const l = layout();
    const env = { BOSUN_CONFIG: l.envFile, XDG_CONFIG_HOME: l.xdg, HOME: l.home };
    expect(discoverConfigPath({ flag: l.flagFile, env, cwd: l.cwd })).toEqual({ path: l.flagFile, source: "flag" });
    expect(discoverConfigPath({ env, cwd: l.cwd })).toEqual({ path: l.envFile, source: "env" });
    expect(discoverConfigPath({ env: { XDG_CONFIG_HOME: l.xdg, HOME: l.home }, cwd: l.cwd })).toEqual({
      path: join(l.cwd, "bosun.toml"),
      source: "cwd",
    });
    expect(discoverConfigPath({ env: { XDG_CONFIG_HOME: l.xdg, HOME: l.home }, cwd: l.root })).toEqual({
      path: join(l.xdg, "bosun", "bosun.toml"),
      source: "xdg",
    });
    expect(discoverConfigPath({ env: { HOME: l.home }, cwd: l.root })).toEqual({
      path: join(l.home, ".config", "bosun", "bosun.toml"),
      source: "xdg",
    });
    expect(discoverConfigPath({ env: { HOME: join(l.root, "nohome") }, cwd: l.root })).toEqual({ path: null, source: "default" });
  });

  test("a relative --config resolves against cwd", () => {
    const l = layout();
    expect(discoverConfigPath({ flag: "../flag.toml", env: {}, cwd: l.cwd }).path).toBe(l.flagFile);
  });

  test("a --config or $BOSUN_CONFIG naming a missing file is an error, not a fallback", () => {
    const l = layout();
    for (const opts of [
      { flag: join(l.root, "nope.toml"), env: {}, cwd: l.cwd },
      { env: { BOSUN_CONFIG: join(l.root, "nope.toml") }, cwd: l.cwd },
      { flag: l.cwd, env: {}, cwd: l.cwd },
    ]) {
      let caught: unknown;
      try {
        discoverConfigPath(opts);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(BosunError);
      const err = caught as BosunError;
      expect(err.code).toBe("config_not_found");
      expect(err.exitCode).toBe(ExitCode.config);
      expect(err.hint).toBeTruthy();
    }
  });
});

describe("loadConfig", () => {
  test("no file: the embedded default with a stable hash", () => {
    const root = mkdtempSync(join(tmpdir(), "bosun-config-"));
    const loaded = loadConfig({ env: { HOME: root }, cwd: root });
    expect(loaded.path).toBeNull();
    expect(loaded.source).toBe("default");
    expect(loaded.config).toEqual(defaultConfig());
    expect(loaded.hash).toBe(createHash("sha256").update("embedded-default").digest("hex"));
    expect(loaded.secrets).toEqual([]);
  });

  test("reads, interpolates and reports secrets and hash", () => {
    const root = mkdtempSync(join(tmpdir(), "bosun-config-"));
    const text = `[agent]\nprovider = "openai"\napi_key = "\${KEY}"\n\n${WEB}`;
    writeFileSync(join(root, "bosun.toml"), text);
    const loaded = loadConfig({ env: { KEY: "sk-live-123" }, cwd: root });
    expect(loaded.source).toBe("cwd");
    expect(loaded.path).toBe(join(root, "bosun.toml"));
    expect(loaded.config.agent.api_key).toBe("sk-live-123");
    expect(loaded.secrets).toEqual(["sk-live-123"]);
    expect(loaded.hash).toBe(createHash("sha256").update(text).digest("hex"));
  });
});

describe("defaults", () => {
  test("embedded default: one webchat adapter on 127.0.0.1:7420, provider auto", () => {
    const config = defaultConfig();
    expect(config.adapters).toMatchObject({ web: { kind: "webchat", listen: "127.0.0.1:7420" } });
    expect(config.agent.provider).toBeUndefined();
    expect(config.agent.timeout_ms).toBe(60000);
    expect(config.gateway).toMatchObject({ shutdown_timeout_ms: 10000, first_start_timeout_ms: 10000 });
  });

  test("absent tables and keys get their defaults", () => {
    const { config } = parseConfig('[adapters.w]\nkind = "webchat"\n', "x.toml", {});
    expect(config.agent).toEqual({ timeout_ms: 60000, max_concurrent_turns: 8, context_tokens: 8000, max_waiting_per_session: 20, max_reply_chars: 16000, max_tool_steps: 10, fallback: [] });
    expect(config.gateway).toMatchObject({ shutdown_timeout_ms: 10000, first_start_timeout_ms: 10000 });
    expect(config.adapters.w).toMatchObject({ kind: "webchat", listen: "127.0.0.1:7420" });
    expect(parseConfig("", "x.toml", {}).config.adapters).toEqual({});
  });

  test("a full valid config keeps what was written", () => {
    const text = `
[agent]
provider = "openai"
base_url = "http://127.0.0.1:11434/v1"
model = "llama3.2"
system_prompt = "Be brief."
timeout_ms = 5000

[gateway]
shutdown_timeout_ms = 2000

[adapters.web]
kind = "webchat"
listen = "[::1]:8080"
title = "Chat"
`;
    const { config } = parseConfig(text, "x.toml", {});
    expect(config.agent).toMatchObject({ provider: "openai", base_url: "http://127.0.0.1:11434/v1", model: "llama3.2", system_prompt: "Be brief.", timeout_ms: 5000 });
    expect(config.gateway).toMatchObject({ shutdown_timeout_ms: 2000, first_start_timeout_ms: 10000 });
    expect(config.adapters.web).toMatchObject({ kind: "webchat", listen: "[::1]:8080", title: "Chat" });
  });
});

describe("interpolation", () => {
  test("substitutes ${VAR} everywhere and keeps $${ literal", () => {
    const text = '[agent]\nmodel = "${MODEL}-x"\nsystem_prompt = "cost: $${price} for ${WHO}"\n';
    const { config } = parseConfig(text, "x.toml", { MODEL: "llama3.2", WHO: "you" });
    expect(config.agent.model).toBe("llama3.2-x");
    expect(config.agent.system_prompt).toBe("cost: ${price} for you");
  });

  test("a missing variable names the key and variable at its line:col", () => {
    const err = configError('[agent]\nprovider = "openai"\n  api_key = "${OPENAI_API_KEY}"\n');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(3);
    expect(err.key).toBe("agent.api_key");
    expect(err.message).toContain("agent.api_key");
    expect(err.message).toContain("OPENAI_API_KEY");
    expect([err.line, err.column]).toEqual([3, 3]);
    expect(err.file).toBe("/etc/bosun.toml");
    expect(err.hint).toBe("export OPENAI_API_KEY=... or remove the reference");
  });

  test("a malformed reference is an error that does not echo the value", () => {
    const err = configError('[agent]\nsystem_prompt = "hello ${not closed secretish"\n');
    expect(err.key).toBe("agent.system_prompt");
    expect([err.line, err.column]).toEqual([2, 1]);
    expect(err.message).not.toContain("secretish");
  });

  test("substituted values are validated like written ones", () => {
    const err = configError(`${WEB}listen = "\${LISTEN}"\n`, { LISTEN: "nope" });
    expect(err.key).toBe("adapters.web.listen");
    expect([err.line, err.column]).toEqual([3, 1]);
  });
});

describe("errors name file, line and column", () => {
  test("TOML syntax error", () => {
    const err = configError('[agent]\nmodel = "unterminated\n');
    expect(err.line).toBe(2);
    expect(err.column).toBeGreaterThan(0);
    expect(err.message).toStartWith("invalid TOML:");
    expect(err.message).not.toContain("\n");
    expect(err.location).toBe(`/etc/bosun.toml:${err.line}:${err.column}`);
  });

  test("unknown key: did-you-mean at the typo's line:col", () => {
    const text = `# my config
[agent]
provider = "echo"

[adapters.web]
kind = "webchat"
lisen = "127.0.0.1:7420"
`;
    const err = configError(text);
    expect(err.message).toBe('unknown key "lisen" in [adapters.web]');
    expect(err.hint).toBe('did you mean "listen"?');
    expect([err.line, err.column]).toEqual([7, 1]);
    expect(err.key).toBe("adapters.web.lisen");
  });

  test("unknown key in [agent] suggests from agent keys", () => {
    const err = configError("[agent]\n\n  modle = \"x\"\n");
    expect(err.message).toBe('unknown key "modle" in [agent]');
    expect(err.hint).toBe('did you mean "model"?');
    expect([err.line, err.column]).toEqual([3, 3]);
  });

  test("unknown top-level table lists allowed keys when nothing is close", () => {
    const err = configError('[plugins]\nwant = ["x"]\n');
    expect(err.message).toBe('unknown key "plugins" at the top level');
    expect(err.hint).toContain("agent, gateway, installs, adapters");
    expect([err.line, err.column]).toEqual([1, 2]);
  });

  test("the earliest problem in the file is reported", () => {
    const err = configError('[agent]\ntimeout_ms = "soon"\n\n[adapters.web]\nkind = "webchat"\nlisen = "x"\n');
    expect(err.key).toBe("agent.timeout_ms");
    expect(err.message).toBe("agent.timeout_ms: expected a number, got a string");
    expect([err.line, err.column]).toEqual([2, 1]);
  });

  test("bad listen", () => {
    for (const listen of ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "::1:80", "[::1]", "host:80x", ":80"]) {
      const err = configError(`${WEB}listen = "${listen}"\n`);
      expect(err.key).toBe("adapters.web.listen");
      expect(err.message).toContain("host:port");
      expect([err.line, err.column]).toEqual([3, 1]);
    }
    for (const listen of ["127.0.0.1:1", "localhost:65535", "[::1]:7420", "127.8.9.10:80"]) {
      expect(checkConfigText(`${WEB}listen = "${listen}"\n`, "x.toml", {})).toBeNull();
    }
    // Beyond loopback the chat needs a token, or an explicit public = true.
    for (const listen of ["0.0.0.0:80", "my-host.lan:8080", "[::]:7420", "192.0.2.1:7420"]) {
      const err = configError(`${WEB}listen = "${listen}"\n`);
      expect(err.key).toBe("adapters.web.listen");
      expect(err.message).toContain("needs an access_token");
      expect(checkConfigText(`${WEB}listen = "${listen}"\naccess_token = "0123456789abcdef0123"\n`, "x.toml", {})).toBeNull();
      expect(checkConfigText(`${WEB}listen = "${listen}"\npublic = true\n`, "x.toml", {})).toBeNull();
    }
  });

  test('"cli" is a reserved adapter name', () => {
    const err = configError('[agent]\n\n[adapters.cli]\nkind = "webchat"\n');
    expect(err.key).toBe("adapters.cli");
    expect(err.message).toContain("reserved");
    expect([err.line, err.column]).toEqual([3, 11]);
  });

  test("invalid adapter names", () => {
    const err = configError('[adapters."my bot"]\nkind = "webchat"\n');
    expect(err.key).toBe('adapters."my bot"');
    expect([err.line, err.column]).toEqual([1, 11]);
    expect(configError(`[adapters.${"a".repeat(65)}]\nkind = "webchat"\n`).key).toStartWith("adapters.");
    expect(checkConfigText(`[adapters.${"a".repeat(64)}]\nkind = "webchat"\n`, "x.toml", {})).toBeNull();
  });

  test("unknown kind lists the known kinds", () => {
    const err = configError('[adapters.web]\ntitle = "x"\nkind = "webchatt"\n');
    expect(err.key).toBe("adapters.web.kind");
    expect(err.message).toContain('"webchat"');
    for (const { kind } of ADAPTER_KINDS) expect(err.message).toContain(`"${kind}"`);
    expect(err.hint).toBe('did you mean "webchat"?');
    expect([err.line, err.column]).toEqual([3, 1]);
  });

  test("missing kind points at the adapter's table", () => {
    const err = configError('[agent]\n[adapters.web]\nlisten = "127.0.0.1:1"\n');
    expect(err.message).toContain('missing key "kind" in [adapters.web]');
    expect([err.line, err.column]).toEqual([2, 11]);
  });

  test("type, enum, URL and range errors", () => {
    expect(configError('[agent]\nprovider = "anthropic"\n').message).toBe('agent.provider: expected "echo" or "openai"');
    expect(configError('[agent]\nbase_url = "ftp://example.com"\n').message).toContain("http:// or https:// URL");
    expect(configError("[agent]\ntimeout_ms = 0\n").message).toBe("agent.timeout_ms: must be at least 1");
    expect(configError("[agent]\ntimeout_ms = 1.5\n").message).toBe("agent.timeout_ms: expected an integer, got a float");
    expect(configError("[gateway]\nshutdown_timeout_ms = 99999999999\n").message).toContain("at most");
    expect(configError('agent = "x"\n').message).toBe("agent: expected a table, got a string");
  });

  test("inline tables and dotted keys are located too", () => {
    const err = configError('adapters.web = { kind = "webchat", lisen = "x" }\n');
    expect(err.hint).toBe('did you mean "listen"?');
    expect([err.line, err.column]).toEqual([1, 36]);
  });
});

describe("secrets never appear in errors", () => {
  const SECRET = "sk-very-secret-0123456789";
  function allText(err: ConfigError): string {
    return JSON.stringify(err.toJSON()) + String(err.message) + String(err.hint) + String(err.stack) + String(err.cause);
  }

  test("a secret in an invalid field", () => {
    const cases: [string, Record<string, string>][] = [
      [`[agent]\napi_key = ${SECRET.length}\nbase_url = "${SECRET}"\n`, {}],
      [`[agent]\nprovider = "${SECRET}"\n`, {}],
      [`[agent]\ntimeout_ms = "${SECRET}"\n`, {}],
      [`${WEB}listen = "${SECRET}"\n`, {}],
      [`[adapters.web]\nkind = "${SECRET}"\n`, {}],
      [`[agent]\nbase_url = "\${KEY}"\n`, { KEY: SECRET }],
      [`[agent]\napi_key = "\${KEY}"\nmodel = "\${MISSING}"\n`, { KEY: SECRET }],
      [`[agent]\napi_key = "${SECRET}\n`, {}],
      [`[agent]\napi_key = "${SECRET}"\napi_key = "${SECRET}"\n`, {}],
      [`[agent]\napi_key = "${SECRET}"\n[agent]\n`, {}],
      [`[agent]\napi_key = "${SECRET}" x\n`, {}],
      [`[agent]\napi_key = "\${${SECRET}"\n`, {}],
      [`[agent]\napi_key = ["${SECRET}"]\n`, {}],
    ];
    for (const [text, env] of cases) {
      const err = configError(text, env);
      expect(allText(err)).not.toContain(SECRET);
      expect(allText(err)).not.toContain(SECRET.slice(0, 12));
    }
  });
});

describe("template and JSON Schema", () => {
  test("the init template parses with an empty environment", () => {
    const loaded = parseConfig(CONFIG_TEMPLATE, "bosun.toml", {});
    expect(loaded.config.adapters).toMatchObject({ web: { kind: "webchat", listen: "127.0.0.1:7420" } });
    expect(loaded.config.agent.provider).toBeUndefined();
    expect(CONFIG_TEMPLATE).toContain('# api_key = "${OPENAI_API_KEY}"');
    expect(CONFIG_TEMPLATE).toContain("http://127.0.0.1:11434/v1");
  });

  test("JSON Schema describes the file", () => {
    const schema = configJsonSchema() as Record<string, any>;
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe("bosun.toml");
    expect(schema.title).toBe("bosun.toml");
    expect(schema.properties.adapters).toBeDefined();
    expect(schema.properties.agent.properties.provider.enum).toEqual(["echo", "openai"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required ?? []).toEqual([]);
    expect(JSON.stringify(schema.properties.adapters)).toContain('"webchat"');
  });
});
