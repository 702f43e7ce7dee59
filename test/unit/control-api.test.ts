import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { API_ERRORS } from "../../src/core/control/api.ts";
import { ControlClient } from "../../src/core/control/client.ts";
import { parseConfig } from "../../src/core/config/load.ts";
import { BosunError } from "../../src/core/errors.ts";
import { Gateway } from "../../src/core/gateway.ts";

let g: Gateway;
let token: string;

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), "bosun-api-"));
  g = new Gateway({ home, loaded: parseConfig(`[agent]\nprovider = "echo"\n`, "t.toml", {}), env: {}, version: "test" });
  await g.start();
  token = readFileSync(g.paths.token, "utf8").trim();
});
afterAll(() => g.stop());

interface Answer {
  status: number;
  allow: string | undefined;
  body: { error?: { code: string; message: string; hint: string | null } } & Record<string, unknown>;
}

/** One request as any program would send it: raw body text, any method. */
function raw(method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: g.paths.socket, path, method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow as string | undefined, body: text ? JSON.parse(text) : {} }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("control API requests are checked against the API's types", () => {
  test("a wrong method on a known path is 405 with Allow; an unknown path is 404", async () => {
    const get = await raw("GET", "/v1/send");
    expect({ status: get.status, code: get.body.error?.code, allow: get.allow }).toEqual({ status: 405, code: "method_not_allowed", allow: "POST" });
    const post = await raw("POST", "/v1/status", "{}");
    expect({ status: post.status, allow: post.allow }).toEqual({ status: 405, allow: "GET" });
    expect((await raw("DELETE", "/v1/adapters/web/restart")).status).toBe(405);
    expect((await raw("POST", "/v1/events")).status).toBe(405);
    const none = await raw("GET", "/v1/nothing");
    expect({ status: none.status, code: none.body.error?.code }).toEqual({ status: 404, code: "not_found" });
  });

  test("malformed JSON is 400 naming the problem, not a generic 'expected'", async () => {
    const r = await raw("POST", "/v1/installs", '{"targets": ["whisper:tiny"');
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe("invalid_json");
    expect(r.body.error?.message).toStartWith("the body is not valid JSON: ");
    const empty = await raw("POST", "/v1/send", "");
    expect({ status: empty.status, code: empty.body.error?.code }).toEqual({ status: 400, code: "bad_request" });
    expect(empty.body.error?.message).toContain("JSON body");
  });

  test("wrong types, missing and unknown fields are 400 naming the field, with the expected shape as the hint", async () => {
    const force = await raw("POST", "/v1/installs", JSON.stringify({ targets: ["whisper:tiny"], force: "yes" }));
    expect(force.status).toBe(400);
    expect(force.body.error?.code).toBe("bad_request");
    expect(force.body.error?.message).toStartWith("force: ");
    expect(force.body.error?.hint).toContain('"force"?: true|false');
    const targets = await raw("POST", "/v1/installs", JSON.stringify({ targets: "whisper:tiny" }));
    expect({ status: targets.status, field: targets.body.error?.message.split(":")[0] }).toEqual({ status: 400, field: "targets" });
    const text = await raw("POST", "/v1/send", JSON.stringify({ adapter: "web", target: "c1" }));
    expect({ status: text.status, field: text.body.error?.message.split(":")[0] }).toEqual({ status: 400, field: "text" });
    const extra = await raw("POST", "/v1/installs/cancel", JSON.stringify({ target: "whisper:tiny", now: true }));
    expect(extra.status).toBe(400);
    expect(extra.body.error?.message).toContain("now");
    const array = await raw("POST", "/v1/installs/uninstall", "[]");
    expect(array.status).toBe(400);
  });

  test("every expected failure has its own code, the table's status and a hint", async () => {
    const adapter = await raw("POST", "/v1/adapters/nope/restart");
    expect({ status: adapter.status, code: adapter.body.error?.code }).toEqual({ status: API_ERRORS.adapter_unknown, code: "adapter_unknown" });
    const target = await raw("POST", "/v1/installs", JSON.stringify({ targets: ["whisper:nope"] }));
    expect({ status: target.status, code: target.body.error?.code }).toEqual({ status: API_ERRORS.unknown_target, code: "unknown_target" });
    for (const r of [adapter, target]) expect(r.body.error?.hint).toBeTruthy();
    const encoding = await raw("POST", "/v1/adapters/%E0%A4%A/stop");
    expect({ status: encoding.status, code: encoding.body.error?.code }).toEqual({ status: 400, code: "bad_request" });
  });

  test("ControlClient speaks the same API: typed answers, and the server's codes as BosunErrors", async () => {
    const client = ControlClient.connect(g.paths);
    expect((await client.status()).gateway.state).toBe("running");
    expect(await client.adapters()).toEqual([]);
    expect((await client.catalog()).some((e) => e.target === "whisper:tiny")).toBe(true);
    expect(await client.cancelInstall({ target: "whisper:tiny" })).toEqual({ cancelled: false });
    const failure = await client.adapter("restart", "nope").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BosunError);
    expect((failure as BosunError).code).toBe("adapter_unknown");
  });
});

describe("every expected failure says what to do", () => {
  test("405, invalid JSON and an empty body each carry a hint; the body hints show the route's shape", async () => {
    const wrong = await raw("GET", "/v1/send");
    expect(wrong.body.error?.hint).toBe("send it as POST /v1/send");
    const bad = await raw("POST", "/v1/installs", '{"targets": [');
    expect(bad.body.error?.hint).toContain('{"targets": ["engine:id", ...]');
    const empty = await raw("POST", "/v1/send", "");
    expect(empty.body.error?.hint).toContain('{"adapter", "target", "text"}');
    expect(empty.body.error?.hint).not.toContain("below");
  });

  test("uninstall says whether anything was removed", async () => {
    const r = await raw("POST", "/v1/installs/uninstall", '{"target": "whisper:tiny"}');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ removed: false, status: { state: "missing" } });
  });

  test("an answer that is not the API's is api_error with what came back and a hint", async () => {
    const { serve } = await import("../../src/core/platform/index.ts");
    const socket = join(mkdtempSync(join(tmpdir(), "bosun-foreign-")), "s.sock");
    const foreign = await serve({ unix: socket, fetch: () => new Response("<html>teapot</html>", { status: 418 }) });
    try {
      const e = await new ControlClient(socket, "t").status().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BosunError);
      expect((e as BosunError).code).toBe("api_error");
      expect((e as BosunError).message).toContain("418");
      expect((e as BosunError).message).toContain("teapot");
      expect((e as BosunError).hint).toBeTruthy();
    } finally {
      await foreign.stop();
    }
  });
});
