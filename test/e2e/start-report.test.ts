import { describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { exited, freePort, sandbox } from "../helpers/bosun.ts";

const HEAD = `[agent]\nprovider = "echo"\n\n`;
const web = (name: string, port: number) => `[adapters.${name}]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n\n`;

/** Another program holding a port on 127.0.0.1. */
function holdPort(port: number): Promise<Server> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(port, "127.0.0.1", () => res(s));
  });
}

describe("up reports the adapters that did not start (dist/bosun)", () => {
  test("the only adapter cannot bind a port another program holds: up --detach says so and exits 1; the gateway keeps retrying", async () => {
    const port = await freePort();
    const holder = await holdPort(port);
    const sb = sandbox();
    sb.writeConfig(HEAD + web("web", port));
    try {
      // Async: the program holding the port lives in this process.
      const up = await sb.runAsync(["up", "--detach"]);
      expect(up.code).toBe(1);
      expect(up.stdout + up.stderr).not.toContain("✓ gateway running");
      expect(up.stdout).toContain("its only adapter is not running");
      expect(up.stdout).toMatch(/\n {2}web {2}(backoff|failed|starting) .*in use/);
      const st = JSON.parse((await sb.runAsync(["status", "--json"])).stdout);
      expect(st.gateway.state).toBe("running");
      expect((await sb.runAsync(["down"])).code).toBe(0);

      const json = await sb.runAsync(["up", "--detach", "--json"]);
      expect(json.code).toBe(1);
      const body = JSON.parse(json.stdout);
      expect(body).toEqual({ ready: true, pid: expect.any(Number), adapters: [{ name: "web", kind: "webchat", state: expect.stringMatching(/^(backoff|failed|starting)$/), error: expect.stringMatching(/in use/) }] });
      expect((await sb.runAsync(["down"])).code).toBe(0);
    } finally {
      holder.close();
    }
  });

  test("one of two adapters blocked: exit 0 with a warning naming it and its error; --json lists both", async () => {
    const [free, taken] = await Promise.all([freePort(), freePort()]);
    const holder = await holdPort(taken!);
    const sb = sandbox();
    sb.writeConfig(HEAD + web("chat", free!) + web("blocked", taken!));
    try {
      const up = await sb.runAsync(["up", "--detach"]);
      expect(up.code).toBe(0);
      expect(up.stdout).toContain("1 of 2 adapters is not running:");
      expect(up.stdout).toMatch(/\n {2}blocked {2}(backoff|failed|starting) .*in use/);
      expect(up.stdout).not.toMatch(/\n {2}chat /);
      expect(up.stdout + up.stderr).not.toContain("✓");
      expect((await sb.runAsync(["down"])).code).toBe(0);

      const json = await sb.runAsync(["up", "--detach", "--json"]);
      expect(json.code).toBe(0);
      const { adapters } = JSON.parse(json.stdout);
      expect(adapters).toEqual([
        { name: "blocked", kind: "webchat", state: expect.stringMatching(/^(backoff|failed|starting)$/), error: expect.stringMatching(/in use/) },
        { name: "chat", kind: "webchat", state: "running", error: null },
      ]);
      expect((await sb.runAsync(["down"])).code).toBe(0);
    } finally {
      holder.close();
    }
  });

  test("every adapter running: the usual success line, and --json lists them as running", async () => {
    const sb = sandbox();
    sb.writeConfig(HEAD + web("web", await freePort()));
    const up = sb.run(["up", "--detach", "--json"]);
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout).adapters).toEqual([{ name: "web", kind: "webchat", state: "running", error: null }]);
    expect(sb.run(["down"]).code).toBe(0);
    const plain = sb.run(["up", "--detach"]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain("✓ gateway running in the background");
    expect(plain.stdout).toBe("");
    expect(sb.run(["down"]).code).toBe(0);
  });

  test("foreground up --json reports the adapters in its ready line", async () => {
    const port = await freePort();
    const holder = await holdPort(port);
    const sb = sandbox();
    sb.writeConfig(HEAD + web("web", port));
    const child = sb.spawn(["up", "--json"]);
    try {
      let out = "";
      const ready = await new Promise<any>((res, rej) => {
        child.stdout!.on("data", (d) => {
          out += d;
          try {
            res(JSON.parse(out));
          } catch {
            // not the whole document yet
          }
        });
        child.once("exit", () => rej(new Error(`exited; stdout: ${out}`)));
      });
      expect(ready.ready).toBe(true);
      expect(ready.adapters).toEqual([expect.objectContaining({ name: "web", error: expect.stringMatching(/in use/) })]);
      expect(ready.adapters[0].state).not.toBe("running");
    } finally {
      child.kill("SIGTERM");
      await exited(child);
      holder.close();
    }
  });
});
