import { describe, expect, test } from "bun:test";
import { freePort, sandbox, type Sandbox } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";

// [[installs.custom]] items whose files would be one: refused wherever the config is read.
const SHA = "a".repeat(64);
const custom = (target: string, url: string) => `[[installs.custom]]\ntarget = "${target}"\nurl = "${url}"\nsize = 10\nsha256 = "${SHA}"\n\n`;

/** 1-based line of the `n`th line of `text` that starts with `prefix`. */
function lineOf(text: string, prefix: string, n = 1): number {
  const lines = text.split("\n");
  let seen = 0;
  const i = lines.findIndex((l) => l.startsWith(prefix) && ++seen === n);
  if (i === -1) throw new Error(`no line ${n} starting with ${prefix}`);
  return i + 1;
}

describe("custom installs sharing a file (dist/bosun)", () => {
  test("two targets whose URLs end in one file name: config check, doctor, up, installs and install all refuse at the second url", () => {
    const sb = sandbox();
    const text = `[agent]\nprovider = "echo"\n\n` + custom("whisper:a", "http://127.0.0.1:9/one/model.bin") + custom("whisper:b", "http://127.0.0.1:9/two/model.bin");
    const path = sb.writeConfig(text);
    const where = `${path}:${lineOf(text, "url =", 2)}:1`;
    const message = '[[installs.custom]] #2 (whisper:b): installs to models/whisper/model.bin, the same file as "whisper:a" (#1)';

    const check = sb.run(["config", "check"]);
    expect(check.code).toBe(3);
    expect(check.stderr).toContain(`${where}: ${message}`);
    expect(check.stderr).toContain("hint: each target needs a file of its own");
    expect(JSON.parse(sb.run(["config", "check", "--json"]).stdout).error).toMatchObject({ file: path, line: lineOf(text, "url =", 2), column: 1, key: "installs.custom[1].url" });

    const doctor = sb.run(["doctor"]);
    expect(doctor.code).not.toBe(0);
    expect(doctor.stdout + doctor.stderr).toContain(`${where}: ${message}`);

    for (const args of [["up"], ["up", "--detach"], ["installs"], ["install", "whisper:a"], ["uninstall", "whisper:b"]]) {
      const r = sb.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 3 });
      expect(r.stderr).toContain(`${where}: ${message}`);
    }
    expect(JSON.parse(sb.run(["status", "--json"]).stdout).gateway).toMatchObject({ state: "stopped", configError: { file: path, line: lineOf(text, "url =", 2), column: 1 } });
  });

  test("a custom target on a built-in entry's file is refused; overriding the built-in target itself is not", () => {
    const sb = sandbox();
    const text = custom("whisper:mine", "http://127.0.0.1:9/ggml-base.en.bin");
    const path = sb.writeConfig(text);
    const r = sb.run(["config", "check"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${path}:3:1: [[installs.custom]] #1 (whisper:mine): installs to models/whisper/ggml-base.en.bin, the same file as the built-in "whisper:base.en"`);
    sb.writeConfig(custom("whisper:base.en", "http://127.0.0.1:9/ggml-base.en.bin"));
    expect(sb.run(["config", "check"]).code).toBe(0);
  });

  test("a hot reload that makes two targets share a file is rejected whole, shown at file:line:col, and the gateway keeps its config", async () => {
    const sb: Sandbox = sandbox();
    const port = await freePort();
    const head = `[agent]\nprovider = "echo"\n[gateway]\nreload_debounce_ms = 50\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n\n`;
    const path = sb.writeConfig(head + custom("whisper:a", "http://127.0.0.1:9/one/model.bin"));
    expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
    const status = async () => JSON.parse((await sb.runAsync(["status", "--json"])).stdout);
    try {
      const bad = head + custom("whisper:a", "http://127.0.0.1:9/one/model.bin") + custom("whisper:b", "http://127.0.0.1:9/two/model.bin") + `[adapters.extra]\nkind = "webchat"\nlisten = "127.0.0.1:${await freePort()}"\n`;
      sb.writeConfig(bad);
      let st: any;
      await waitUntil(async () => (st = await status()).gateway.configError !== null, "the reload to be refused", 10_000);
      expect(st.gateway.configError).toMatchObject({ file: path, line: lineOf(bad, "url =", 2), column: 1, key: "installs.custom[1].url", message: expect.stringContaining('the same file as "whisper:a"') });
      expect(st.gateway.state).toBe("running");
      expect(st.adapters.map((a: any) => a.name)).toEqual(["web"]); // nothing of the rejected file applied

      sb.writeConfig(head + custom("whisper:a", "http://127.0.0.1:9/one/model.bin") + custom("whisper:b", "http://127.0.0.1:9/two/model-b.bin"));
      await waitUntil(async () => (st = await status()).gateway.configError === null, "the fixed config to apply", 10_000);
      expect(st.gateway.state).toBe("running");
    } finally {
      await sb.runAsync(["down"]);
    }
  });
});
