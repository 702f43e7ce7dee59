import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandbox } from "../helpers/bosun.ts";

// Global flags work wherever they are written, as --help promises (`--config PATH` with a space too).
describe("global flags and argument errors (dist/bosun)", () => {
  const sb = sandbox();
  const bad = join(sb.dir, "bad.toml");
  const good = join(sb.dir, "good.toml");
  writeFileSync(bad, '[agent]\nprovider = "echo"\n[adapters.a]\nkind = "webchat"\nlisten = "127.0.0.1:28101"\n[adapters.b]\nkind = "webchat"\nlisten = "127.0.0.1:28101"\n');
  writeFileSync(good, '[agent]\nprovider = "echo"\n[adapters.only]\nkind = "webchat"\nlisten = "127.0.0.1:28102"\n');

  test("--config before or after the command, with a space or =, reaches the subcommand", () => {
    for (const args of [["--config", bad, "config", "check"], [`--config=${bad}`, "config", "check"], ["config", "--config", bad, "check"], ["config", "check", "--config", bad]]) {
      const r = sb.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 3 });
      expect(r.stderr).toContain("bad.toml:8:1");
    }
    expect(sb.run(["--config", bad, "config", "path"]).stdout.trim()).toBe(bad);
  });

  test("--json before the subcommand gives JSON", () => {
    const r = sb.run(["--json", "--config", good, "config", "check"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, adapters: ["only"] });
  });

  test("commands with a default subcommand take `--config PATH` too", () => {
    const adapters = sb.run(["adapters", "--config", good]);
    expect(adapters.code).toBe(0);
    expect(adapters.stdout).toContain("only");
    expect(JSON.parse(sb.run(["adapters", "--json", "--config", good]).stdout).map((a: { name: string }) => a.name)).toEqual(["only"]);
  });

  test("a missing argument is a usage error (exit 2) that points at --help, not a bug report", () => {
    for (const [args, what] of [[["send"], "ADAPTER"], [["install"], "TARGETS"], [["adapters", "restart"], "NAME"]] as const) {
      const r = sb.run([...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(`error: missing argument ${what}`);
      expect(r.stderr).toContain("--help");
      expect(r.stderr).not.toContain("bug");
    }
  });

  test("a word beyond a command's arguments is refused, not dropped (unquoted text would be cut short)", () => {
    const send = sb.run(["send", "web", "conv", "hello", "world"]);
    expect(send.code).toBe(2);
    expect(send.stderr).toContain('unexpected argument "world"');
    expect(send.stderr).toContain("quote");
    expect(sb.run(["status", "extra"]).code).toBe(2);
    // After `--` every word is an argument: none may be dropped there either.
    expect(sb.run(["send", "web", "conv", "--", "hello", "world"]).stderr).toContain('unexpected argument "world"');
    expect(sb.run(["status", "--", "extra"]).code).toBe(2);
    // A flag that takes a value needs one; its value may start with "-".
    const bare = sb.run(["status", "--config"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("--config needs a value");
    expect(sb.run(["catalog", "--filter", "-low"]).code).toBe(0);
    // Values of a command's own flags are not extra words; variadic commands take many.
    expect(sb.run(["catalog", "whisper", "--filter", "base.en"]).code).toBe(0);
    expect(sb.run(["install", "--help", "whisper:tiny", "whisper:base"]).code).toBe(0);
  });

  test("help is aligned, names the whole command, shows only documented flags, and says what the command table says", () => {
    const top = sb.run(["--help"]).stdout;
    const described = (name: string) => top.split("\n").find((l) => l.startsWith(`  ${name} `))!.slice(2 + name.length).trim();
    for (const path of [["up"], ["send"], ["install"], ["catalog"], ["adapters"], ["adapters", "restart"], ["config", "check"]]) {
      const r = sb.run([...path, "--help"]);
      expect({ path, code: r.code }).toEqual({ path, code: 0 });
      const lines = r.stdout.split("\n");
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^USAGE bosun ${path.join(" ")}( |$)`)));
      // One description per command: the top-level list and the command's own help agree.
      if (path.length === 1) expect(lines[0]).toBe(described(path[0]!));
      const start = lines.indexOf("OPTIONS");
      const options = lines.slice(start + 1, lines.indexOf("", start) === -1 ? undefined : lines.indexOf("", start));
      expect(options.length).toBeGreaterThan(3);
      // Every description starts in one column, and every flag has one.
      for (const l of options) expect(l).toMatch(/^  -\S*( \S+)*  +\S/);
      const columns = new Set(options.map((l) => l.match(/^  -\S*( \S+)*  +/)![0].length));
      expect({ path, columns: columns.size }).toEqual({ path, columns: 1 });
      expect(r.stdout).toContain("--no-color");
      expect(r.stdout).not.toMatch(/^\s+--color\b/m);
    }
  });
});

describe("a broken config, usage hints and help (dist/bosun)", () => {
  const sb = sandbox();
  const broken = join(sb.dir, "broken.toml");
  writeFileSync(broken, '[adapters.a]\nkind = "webchat"\nlisten = 5\n');

  test("adapters with a broken config and no gateway: the config error with file:line:col, exit 3 (not 'no adapters')", () => {
    for (const args of [["adapters"], ["adapters", "ls"]]) {
      const r = sb.run([...args, "--config", broken]);
      expect({ args, code: r.code }).toEqual({ args, code: 3 });
      expect(r.stderr).toContain("broken.toml:3:1");
      expect(r.stdout + r.stderr).not.toContain("no adapters configured");
    }
    const json = sb.run(["adapters", "--json", "--config", broken]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: "config_invalid", line: 3, column: 1 });
  });

  test("status with a broken config and no gateway still shows it all, and exits 3 as the README's table says", () => {
    const r = sb.run(["status", "--config", broken]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("config error:");
    const json = sb.run(["status", "--json", "--config", broken]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).gateway.configError).toMatchObject({ line: 3 });
  });

  test("usage hints name the command as typed", () => {
    const restart = sb.run(["adapters", "restart"]);
    expect(restart.code).toBe(2);
    expect(restart.stderr).toContain("see `bosun adapters restart --help`");
    const bare = sb.run(["--frobnicate"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("for `bosun`");
    expect(bare.stderr).not.toContain("bosun status");
    const filter = sb.run(["catalog", "--filter="]);
    expect(filter.code).toBe(2);
    expect(filter.stderr).toContain("--filter needs some text");
    expect(sb.run(["unknowncmd"]).stderr).toContain("hint:");
  });

  test("top-level help: one space after USAGE, global flags as args.ts describes them, --version only where it works", () => {
    const top = sb.run(["--help"]).stdout;
    expect(top).toContain("USAGE bosun [COMMAND]");
    expect(top).not.toContain("USAGE  ");
    // The same words as each command's own help (one definition).
    const sub = sb.run(["status", "--help"]).stdout;
    const jsonLine = (text: string) => text.split("\n").find((l) => l.trimStart().startsWith("--json"))!.replace(/^\s*--json\s+/, "");
    expect(jsonLine(top)).toBe(jsonLine(sub));
    const global = top.slice(top.indexOf("GLOBAL OPTIONS"), top.indexOf("OPTIONS (bosun alone)"));
    expect(global).not.toContain("--version");
    expect(top.slice(top.indexOf("OPTIONS (bosun alone)"))).toContain("--version");
    expect(sb.run(["--version"]).code).toBe(0);
  });
});
