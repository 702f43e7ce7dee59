import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { registerAdapterKind } from "../../src/core/adapters/registry.ts";
import { parseConfig } from "../../src/core/config/load.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { throwawayLog } from "../adapter-kinds/throwaway/index.ts";
import { throwaway } from "../adapter-kinds/throwaway/kind.ts";
import { sandbox, type Sandbox } from "../helpers/bosun.ts";

// A kind that lives in test/adapter-kinds/throwaway/ and nowhere in src/: registering it is the
// only step, and the config schema, config check, config init and the gateway all know it.
// The CLI runs from source through test/adapter-kinds/bosun.ts, which registers the same kind
// (the compiled binary cannot load test code); the gateway runs in this process.
const CLI = resolve(import.meta.dir, "../adapter-kinds/bosun.ts");
const unregister = registerAdapterKind(throwaway);
afterAll(unregister);

const CONFIG = `[agent]
provider = "echo"

[adapters.tmp]
kind = "throwaway"
greeting = "ahoy"
backoff_initial_ms = 50
`;

/** Run the CLI (with the throwaway kind) in the sandbox, without blocking this process's gateway. */
function bosun(sb: Sandbox, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: sb.dir, env: sb.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe("an adapter kind registered from a test folder", () => {
  test("bosun config schema describes it beside the built-in kinds", async () => {
    const r = await bosun(sandbox(), ["config", "schema"]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    const kinds: Array<Record<string, any>> = schema.properties.adapters.additionalProperties.oneOf ?? schema.properties.adapters.additionalProperties.anyOf;
    expect(kinds.map((k) => k.properties.kind.const)).toEqual(["webchat", "webhook", "irc", "twitch", "telegram", "slack", "email", "discord", "throwaway"]);
    const mine = kinds.find((k) => k.properties.kind.const === "throwaway")!;
    expect(mine.description).toBe("A channel that exists only in bosun's tests.");
    expect(mine.properties.greeting.description).toBe("What the throwaway channel says when it connects.");
    expect(mine.required).toEqual(["kind", "greeting"]);
  });

  test("bosun config check accepts a config that uses it and points at its mistakes", async () => {
    const sb = sandbox();
    sb.writeConfig(CONFIG);
    const ok = await bosun(sb, ["config", "check"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("is valid (1 adapter: tmp)");

    sb.writeConfig(`${CONFIG}greetin = "hi"\n`);
    const bad = await bosun(sb, ["config", "check"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("bosun.toml:8:1");
    expect(bad.stderr).toContain('did you mean "greeting"?');
  });

  test("bosun config init writes its commented block after the built-in ones", async () => {
    const sb = sandbox();
    const r = await bosun(sb, ["config", "init"]);
    expect(r.code).toBe(0);
    const text = readFileSync(join(sb.dir, "bosun.toml"), "utf8");
    expect(text).toContain('# A throwaway channel (tests only).\n# [adapters.tmp]\n# kind = "throwaway"');
    expect(text.indexOf('# kind = "telegram"')).toBeLessThan(text.indexOf('# kind = "throwaway"'));
  });

  test("bosun adapters ls lists it from the config, then running in the gateway", async () => {
    const sb = sandbox();
    const path = sb.writeConfig(CONFIG);
    const stopped = await bosun(sb, ["adapters", "ls"]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^tmp\s+throwaway\s+stopped/m);

    const gateway = new Gateway({ home: sb.home, loaded: parseConfig(readFileSync(path, "utf8"), path, {}), env: {}, version: "test" });
    await gateway.start();
    try {
      const running = await bosun(sb, ["adapters", "ls"]);
      expect(running.code).toBe(0);
      expect(running.stdout).toMatch(/^tmp\s+throwaway\s+running/m);
      // The factory got its config through the kind's schema: typed, with its own field.
      expect(throwawayLog.greetings).toContain("ahoy");
    } finally {
      await gateway.stop();
    }
  });
});
