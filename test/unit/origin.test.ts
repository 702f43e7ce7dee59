import { describe, expect, test } from "bun:test";
import { hostAllowed, isLoopbackHost, originAllowed } from "../../src/core/util/origin.ts";

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
});
