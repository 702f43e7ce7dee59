import { afterAll, describe, expect, test } from "bun:test";
import { freePort, sandbox } from "../helpers/bosun.ts";
import { ModelServer } from "../helpers/model-server.ts";

// What the reading commands show is the same whether or not a gateway runs, and says what it means.
describe("status, installs and catalog read the same with and without a gateway (dist/bosun)", () => {
  const servers: ModelServer[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  test("status --json of a stopped gateway has since: null for its adapters, not 1970", () => {
    const sb = sandbox();
    sb.writeConfig(`[agent]\nprovider = "echo"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:28121"\n`);
    const r = sb.run(["status", "--json"]);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status.adapters).toEqual([expect.objectContaining({ name: "web", state: "stopped", since: null })]);
    expect(r.stdout).not.toContain("1970-01-01");
  });

  test("installs lists the same rows with the gateway up and down; catalog marks what is installed; a 5-byte file is 5 B", async () => {
    const server = await ModelServer.start();
    servers.push(server);
    const tiny = server.addFile("/m/tiny.bin", new TextEncoder().encode("hello"));
    const sb = sandbox();
    const port = await freePort();
    sb.writeConfig(
      `[agent]\nprovider = "echo"\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n\n` +
        `[installs]\nwant = ["whisper:wanted"]\nmirror = "http://127.0.0.1:1"\n\n` +
        `[[installs.custom]]\ntarget = "whisper:five"\nurl = "${tiny.url}"\nsize = 5\nsha256 = "${tiny.sha256}"\n\n` +
        `[[installs.custom]]\ntarget = "whisper:wanted"\nurl = "http://127.0.0.1:1/never.bin"\nsize = 10\nsha256 = "${"0".repeat(64)}"\n`,
    );
    expect((await sb.runAsync(["install", "whisper:five"])).code).toBe(0);
    const rows = (out: string) => (JSON.parse(out) as Array<{ target: string }>).map((s) => s.target);
    const down = await sb.runAsync(["installs", "--json"]);
    expect(rows(down.stdout)).toEqual(["whisper:five", "whisper:wanted"]);
    const table = (await sb.runAsync(["installs"])).stdout;
    expect(table).toMatch(/whisper:five\s+installed\s+5 B/);
    expect(table).not.toContain("0.0 MiB");
    const catalog = (await sb.runAsync(["catalog", "--filter", "five"])).stdout;
    expect(catalog.split("\n")[0]).toContain("INSTALLED");
    expect(catalog).toMatch(/whisper:five\s+5 B\s+custom\s+yes\s+custom, from 127\.0\.0\.1:\d+$/m);
    expect((await sb.runAsync(["up", "--detach"])).code).toBe(0);
    try {
      const up = await sb.runAsync(["installs", "--json"]);
      expect(rows(up.stdout)).toEqual(rows(down.stdout));
      expect((await sb.runAsync(["catalog", "--filter", "five"])).stdout).toMatch(/whisper:five\s+5 B\s+custom\s+yes/);
    } finally {
      expect((await sb.runAsync(["down"])).code).toBe(0);
    }
  });
});
