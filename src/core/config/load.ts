import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseToml, TomlError } from "smol-toml";
import { BosunError, ConfigError, ExitCode, errorMessage } from "../errors.ts";
import { discoverConfigPath, type ConfigSource, type DiscoverOptions } from "./discover.ts";
import { interpolate } from "./interpolate.ts";
import { firstIssueError } from "./issues.ts";
import { checkListenCollisions } from "./listen-collisions.ts";
import { DEFAULT_WEBCHAT_LISTEN } from "../adapters/webchat/kind.ts";
import { configSchema, type BosunConfig } from "./schema.ts";
import { collectSecrets, interpolatedEnvSecrets } from "./secrets.ts";

export { discoverConfigPath, type ConfigSource, type DiscoverOptions } from "./discover.ts";

/** A validated config plus where it came from. */
export interface LoadedConfig {
  config: BosunConfig;
  path: string | null;
  source: ConfigSource;
  /** sha256 hex of the file text, or of "embedded-default"; tells a reload whether anything changed. */
  hash: string;
  /** Every non-empty secret value after interpolation, longest first, for log redaction. */
  secrets: string[];
}

const EMBEDDED_DEFAULT_ID = "embedded-default";

/** Validate config text (TOML, `${VAR}` interpolation, schema); throws ConfigError pointing at file:line:col. */
export function parseConfig(text: string, file: string, env: Record<string, string | undefined>, source: ConfigSource = "flag"): LoadedConfig {
  // Editors on Windows may save a BOM; it is not TOML and would shift columns on line 1.
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const raw = parseTomlText(body, file);
  const data = interpolate(raw, env, { file, text: body });
  const schema = configSchema();
  const result = schema.safeParse(data);
  if (!result.success) throw firstIssueError(result.error.issues, { schema, data, file, text: body });
  checkListenCollisions(result.data.adapters, { file, text: body });
  const secrets = [...new Set([...collectSecrets(result.data), ...interpolatedEnvSecrets(raw, data)])].sort((a, b) => b.length - a.length);
  return { config: result.data, path: file, source, hash: sha256(text), secrets };
}

/** Discover, read and validate the config; the embedded default when no file exists. */
export function loadConfig(opts: DiscoverOptions): LoadedConfig {
  const { path, source } = discoverConfigPath(opts);
  if (path === null) return { config: defaultConfig(), path: null, source, hash: sha256(EMBEDDED_DEFAULT_ID), secrets: [] };
  let text: string;
  try {
    // Synchronous on purpose: one small file, and commands like `status` must stay instant.
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new BosunError("config_unreadable", `cannot read config file ${path}: ${errorMessage(err)}`, {
      exitCode: ExitCode.config,
      hint: "check the file's permissions",
    });
  }
  return parseConfig(text, path, opts.env, source);
}

/** The embedded default: one webchat adapter "web" on 127.0.0.1:7420, provider chosen automatically. */
export function defaultConfig(): BosunConfig {
  // Parsed through the schema so defaults live in one place.
  return configSchema().parse({ adapters: { web: { kind: "webchat", listen: DEFAULT_WEBCHAT_LISTEN } } });
}

function parseTomlText(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text, { unsafeKeyBehaviour: "throw" });
  } catch (err) {
    if (err instanceof TomlError) {
      // The first line only: the rest is a code frame that may quote a secret.
      const message = (err.message.split("\n")[0] ?? "").replace(/^Invalid TOML document:\s*/, "");
      throw new ConfigError(`invalid TOML: ${message}`, {
        file,
        line: err.line,
        column: err.column,
        hint: "check quotes, brackets and `key = value` on that line (https://toml.io)",
      });
    }
    throw new ConfigError("invalid TOML", { file, line: 1, column: 1 });
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
