import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { checkConfigText } from "../helpers/config.ts";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { waitUntil } from "../helpers/wait.ts";

const SECRET = "0123456789abcdef-hook";
const web = (name: string, listen: string) => `[adapters.${name}]\nkind = "webchat"\nlisten = "${listen}"\n\n`;
const hook = (name: string, listen: string) => `[adapters.${name}]\nkind = "webhook"\nlisten = "${listen}"\nsecret = "${SECRET}"\n\n`;
const HEAD = `[agent]\nprovider = "echo"\n\n`;

/** Line and column of the `n`th occurrence of `needle`'s value in text (1-based), as an editor shows it. */
function valueAt(text: string, needle: string, n = 1): [number, number] {
  let idx = -1;
  for (let i = 0; i < n; i++) idx = text.indexOf(needle, idx + 1);
  const before = text.slice(0, idx);
  const line = before.split("\n").length;
  const col = idx - before.lastIndexOf("\n") + needle.indexOf('"');
  return [line, col];
}

describe("listen collisions inside one config", () => {
  const cases: Array<[string, string, string]> = [
    ["the same address twice", "127.0.0.1:7432", "127.0.0.1:7432"],
    ["a host next to the IPv4 wildcard", "127.0.0.1:7432", "0.0.0.0:7432"],
    ["the IPv4 wildcard next to a host", "0.0.0.0:7432", "127.0.0.1:7432"],
    ["the IPv6 wildcard next to an IPv4 host", "[::]:7432", "127.0.0.1:7432"],
    ["[::1] next to the IPv6 wildcard", "[::1]:7432", "[::]:7432"],
    ["two spellings of ::1", "[::1]:7432", "[0:0::1]:7432"],
    ["localhost next to 127.0.0.1", "localhost:7432", "127.0.0.1:7432"],
  ];
  for (const [what, first, second] of cases) {
    test(`${what} is a config error at the second listen value, naming the first adapter`, () => {
      const text = HEAD + hook("first", first) + hook("second", second);
      const err = checkConfigText(text, "/etc/bosun.toml", {});
      expect(err).not.toBeNull();
      expect([err!.line, err!.column]).toEqual(valueAt(text, `listen = "${second}"`, first === second ? 2 : 1));
      expect(err!.key).toBe("adapters.second.listen");
      expect(err!.message).toContain('already taken by adapter "first"');
      expect(err!.message).toContain(first);
      expect(err!.hint).toMatch(/own port, e\.g\. listen = ".*:7433"/);
    });
  }

  test("different ports, different hosts and different address families are fine", () => {
    for (const [a, b] of [
      ["127.0.0.1:7432", "127.0.0.1:7433"],
      ["127.0.0.1:7432", "127.0.0.2:7432"],
      ["[::1]:7432", "127.0.0.1:7432"],
    ]) {
      expect(checkConfigText(HEAD + hook("a", a!) + hook("b", b!), "/etc/bosun.toml", {})).toBeNull();
    }
  });

  test("two adapters left on their default port collide at the second adapter's table", () => {
    const text = HEAD + `[adapters.one]\nkind = "webhook"\nsecret = "${SECRET}"\n\n[adapters.two]\nkind = "webhook"\nsecret = "${SECRET}"\n`;
    const err = checkConfigText(text, "/etc/bosun.toml", {});
    expect(err?.message).toContain('port 7421 is already taken by adapter "one"');
    expect([err!.line, err!.column]).toEqual([text.split("\n").indexOf("[adapters.two]") + 1, 11]);
  });

  test("the adapter written later is the one reported, whatever the table order", () => {
    const text = HEAD + `[adapters]\nzeta = { kind = "webchat", listen = "127.0.0.1:7500" }\nalpha = { kind = "webhook", listen = "0.0.0.0:7500", secret = "${SECRET}" }\n`;
    const err = checkConfigText(text, "/etc/bosun.toml", {});
    expect(err?.key).toBe("adapters.alpha.listen");
    expect(err?.message).toContain('adapter "zeta"');
  });
});

describe("listen collisions through dist/bosun", () => {
  test("config check exits 3, doctor fails on it (no port reported free twice), up and up --detach refuse to start", async () => {
    const sb = sandbox();
    const port = await freePort();
    const text = HEAD + web("web", `127.0.0.1:${port}`) + hook("api", `0.0.0.0:${port}`);
    const path = sb.writeConfig(text);
    const [line, col] = valueAt(text, `listen = "0.0.0.0:${port}"`);
    const where = `${path}:${line}:${col}`;

    const check = sb.run(["config", "check"]);
    expect(check.code).toBe(3);
    expect(check.stderr).toContain(where);
    expect(check.stderr).toContain(`port ${port} is already taken by adapter "web"`);
    expect(check.stderr).toContain("hint: give each adapter its own port");

    const doctor = sb.run(["doctor"]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(where);
    expect(doctor.stdout.match(/is free/g)?.length ?? 0).toBeLessThan(2);
    const doctorJson = JSON.parse(sb.run(["doctor", "--json"]).stdout);
    expect(doctorJson.ok).toBe(false);
    expect(doctorJson.checks.find((c: { name: string }) => c.name === "config")).toEqual(expect.objectContaining({ outcome: "fail", detail: expect.stringContaining(where) }));

    for (const args of [["up"], ["up", "--detach"]]) {
      const r = sb.run(args);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(where);
    }
    expect(JSON.parse(sb.run(["status", "--json"]).stdout).gateway.configError).toEqual(expect.objectContaining({ line, column: col }));
  });

  test("a hot reload that makes two adapters collide is rejected whole and shown in status", async () => {
    const sb = sandbox();
    const [p1, p2] = await Promise.all([freePort(), freePort()]);
    const good = HEAD + `[gateway]\nreload_debounce_ms = 50\n\n` + web("web", `127.0.0.1:${p1}`);
    const path = sb.writeConfig(good);
    expect(sb.run(["up", "--detach"]).code).toBe(0);
    try {
      const bad = good + web("other", `127.0.0.1:${p2}`) + hook("api", `127.0.0.1:${p1}`);
      writeFileSync(path, bad);
      const [line, column] = valueAt(bad, `listen = "127.0.0.1:${p1}"`, 2);
      let status: any;
      await waitUntil(
        () => {
          status = JSON.parse(sb.run(["status", "--json"]).stdout);
          return status.gateway.configError;
        },
        () => `status to show the collision; last: ${JSON.stringify(status?.gateway)}`,
        10_000,
        50,
      );
      expect(status.gateway.configError).toEqual(expect.objectContaining({ line, column, key: "adapters.api.listen" }));
      expect(status.gateway.configError.message).toContain('adapter "web"');
      // Rejected whole: the valid part of the edit ("other") was not applied either.
      expect(status.adapters.map((a: { name: string; state: string }) => [a.name, a.state])).toEqual([["web", "running"]]);
      expect((await fetch(`http://127.0.0.1:${p1}/healthz`)).status).toBe(200);
    } finally {
      expect(sb.run(["down"]).code).toBe(0);
    }
  });
});
