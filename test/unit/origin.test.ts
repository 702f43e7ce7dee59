import { describe, expect, test } from "bun:test";
import { checkConfigText } from "../helpers/config.ts";
import { isLoopbackListen } from "../../src/core/config/fields.ts";
import { selfHost } from "../../src/core/util/listen.ts";
import { hostAllowed, isLoopbackHost, isWildcardHost, normalizeHost, originAllowed, parseHostHeader } from "../../src/core/util/origin.ts";

describe("web listener host and origin checks", () => {
  test("loopback names and addresses", () => {
    for (const h of ["localhost", "LOCALHOST.", "app.localhost", "127.0.0.1", "127.255.0.9", "::1", "[::1]:7420", "localhost:7420"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["0.0.0.0", "10.0.0.1", "localhost.evil.example", "evil.example", "::", "128.0.0.1"]) expect(isLoopbackHost(h)).toBe(false);
  });

  test("Host: loopback, the listen address and allowed names pass; a rebinding name never does", () => {
    const loop = { listenHost: "127.0.0.1" };
    expect(hostAllowed("127.0.0.1:7420", loop)).toBe(true);
    expect(hostAllowed("localhost:7420", loop)).toBe(true);
    expect(hostAllowed("attacker.example:7420", loop)).toBe(false);
    expect(hostAllowed(null, loop)).toBe(false);
    expect(hostAllowed("", loop)).toBe(false);
    const lan = { listenHost: "192.0.2.7", allowedHosts: ["bot.lan"] };
    expect(hostAllowed("192.0.2.7:7420", lan)).toBe(true);
    expect(hostAllowed("BOT.LAN:7420", lan)).toBe(true);
    expect(hostAllowed("192.0.2.8:7420", lan)).toBe(false);
    // A wildcard listener answers on every address of the machine; names still have to be listed.
    const wild = { listenHost: "0.0.0.0" };
    expect(hostAllowed("198.51.100.3:7420", wild)).toBe(true);
    expect(hostAllowed("[2001:db8::1]:7420", { listenHost: "::" })).toBe(true);
    expect(hostAllowed("attacker.example:7420", wild)).toBe(false);
  });

  test("Origin: absent or same origin passes; another origin only when listed", () => {
    expect(originAllowed(null, "127.0.0.1:7420")).toBe(true);
    expect(originAllowed("http://127.0.0.1:7420", "127.0.0.1:7420")).toBe(true);
    expect(originAllowed("https://127.0.0.1:7420", "127.0.0.1:7420")).toBe(true);
    expect(originAllowed("http://127.0.0.1:7421", "127.0.0.1:7420")).toBe(false);
    expect(originAllowed("http://127.0.0.2:8099", "127.0.0.1:7420")).toBe(false);
    expect(originAllowed("null", "127.0.0.1:7420")).toBe(false);
    expect(originAllowed("file://", "127.0.0.1:7420")).toBe(false);
    expect(originAllowed("not a url", "127.0.0.1:7420")).toBe(false);
    expect(originAllowed("https://chat.example.com", "127.0.0.1:7420", ["https://chat.example.com/"])).toBe(true);
    expect(originAllowed("https://chat.example.com.evil", "127.0.0.1:7420", ["https://chat.example.com"])).toBe(false);
  });

  test("every spelling of an IPv6 address is one host: loopback, wildcard and the self-probe agree", () => {
    for (const h of ["[0:0::1]", "0:0:0:0:0:0:0:1", "[0000::0001]:7420", "::ffff:127.0.0.1", "[::ffff:7f00:1]", "127.1"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["::ffff:10.0.0.1", "::127.0.0.1", "::2", "[::]"]) expect(isLoopbackHost(h)).toBe(false);
    for (const h of ["0.0.0.0", "::", "[::]", "[0::0]", "0:0:0:0:0:0:0:0", "::0", "::ffff:0.0.0.0"]) expect(isWildcardHost(h)).toBe(true);
    for (const h of ["::1", "127.0.0.1", "0.0.0.1", "localhost"]) expect(isWildcardHost(h)).toBe(false);
    expect(normalizeHost("[0:0::1]:7420")).toBe("::1");
    expect(normalizeHost("LOCALHOST.")).toBe("localhost");
    expect(normalizeHost("fe80::1%eth0")).toBe("fe80::1%eth0"); // a zone id: no URL host, kept as written
    expect(selfHost("0::0")).toBe("::1");
    expect(selfHost("0:0:0:0:0:0:0:0")).toBe("::1");
    expect(selfHost("0.0.0.0")).toBe("127.0.0.1");
    expect(selfHost("192.0.2.7")).toBe("192.0.2.7");
    // The config agrees: a loopback listen in any spelling needs no access token; a wildcard one does.
    expect(isLoopbackListen("[0:0::1]:7420")).toBe(true);
    expect(isLoopbackListen("[::ffff:127.0.0.1]:7420")).toBe(true);
    expect(isLoopbackListen("[0::0]:7420")).toBe(false);
    const web = (listen: string) => `[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "${listen}"\n`;
    expect(checkConfigText(web("[0:0::1]:7420"), "/etc/bosun.toml", {})).toBeNull();
    expect(checkConfigText(web("[0::0]:7420"), "/etc/bosun.toml", {})?.message).toContain("access_token");
    // A wildcard listener in another spelling still answers to IP literals, and to nothing rebindable.
    expect(hostAllowed("198.51.100.3:7420", { listenHost: "0::0" })).toBe(true);
    expect(hostAllowed("attacker.example:7420", { listenHost: "0::0" })).toBe(false);
    expect(hostAllowed("[::1]:7420", { listenHost: "0:0::1" })).toBe(true);
    expect(hostAllowed("[2001:db8:0::7]:7420", { listenHost: "2001:db8::7" })).toBe(true);
    expect(originAllowed("http://[::1]:7420", "[0:0::1]:7420")).toBe(true);
    expect(originAllowed("http://localhost", "localhost:80")).toBe(true);
    expect(originAllowed("http://localhost:7421", "localhost:7420")).toBe(false);
  });

  test("Host follows its grammar (reg-name, IPv4 or [IPv6], then :digits) or is refused", () => {
    const loop = { listenHost: "127.0.0.1" };
    const hostile = [
      "localhost:evil", "localhost:7420/x", "[localhost]", "[::1]evil.com", "localhost:99999", "localhost:7420:1",
      "localhost:+80", "localhost: 80", "a b", "user@localhost", "localhost#x", "localhost?x", "localhost\\x",
      "%6cocalhost", "localhost, evil.example", "localhost\t", "[::1", "::1", "[cafe]", "[fe80::1%25eth0]", "[v1.x]",
      "999.1.1.1", "127.0.0.1.5", ":7420", "[]", ".", "localhost..", "l\u00f6calhost", "",
    ];
    for (const h of hostile) {
      expect([h, hostAllowed(h, loop)]).toEqual([h, false]);
      expect([h, parseHostHeader(h)]).toEqual([h, null]);
    }
    for (const h of hostile) expect(originAllowed("http://localhost", h)).toBe(false);
    // Whatever passes also makes a URL (Bun builds req.url from Host), so nothing after the check throws.
    const fine = ["localhost", "localhost:", "LOCALHOST.:7420", "127.0.0.1:7420", "[::1]:7420", "[0:0::1]", "app.localhost:1", "127.1:80"];
    for (const h of fine) {
      expect([h, hostAllowed(h, loop)]).toEqual([h, true]);
      expect(() => new URL(`http://${h}/ws`)).not.toThrow();
    }
    expect(parseHostHeader("[0:0::1]:7420")).toEqual({ host: "::1", port: 7420 });
    expect(parseHostHeader("LOCALHOST.")).toEqual({ host: "localhost", port: null });
    expect(parseHostHeader("localhost:")).toEqual({ host: "localhost", port: null });
    expect(parseHostHeader(null)).toBeNull();
  });
});

describe("exposure warnings", () => {
  test("a loopback chat that answers to other host names (a reverse proxy) without a token is warned about", async () => {
    const { parseConfig } = await import("../../src/core/config/load.ts");
    const { exposureWarnings } = await import("../../src/core/config/exposure.ts");
    const base = '[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:7420"\n';
    expect(exposureWarnings(parseConfig(base, "x.toml", {}).config)).toEqual([]);
    const proxied = exposureWarnings(parseConfig(`${base}allowed_hosts = ["chat.example.com"]\n`, "x.toml", {}).config);
    expect(proxied.map((w) => w.message)).toEqual([expect.stringContaining("reverse proxy")]);
    expect(exposureWarnings(parseConfig(`${base}allowed_hosts = ["chat.example.com"]\naccess_token = "0123456789abcdef01"\n`, "x.toml", {}).config)).toEqual([]);
  });
});
