import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { API_ERRORS, isApiErrorCode, toApiErrorBody } from "../../src/core/control/api.ts";
import { ControlClient } from "../../src/core/control/client.ts";
import { parseConfig } from "../../src/core/config/load.ts";
import { BosunError, ExitCode } from "../../src/core/errors.ts";
import { localApi } from "../../src/core/control/local.ts";
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
    expect({ status: adapter.status, code: adapter.body.error?.code }).toEqual({ status: API_ERRORS.adapter_unknown.status, code: "adapter_unknown" });
    const target = await raw("POST", "/v1/installs", JSON.stringify({ targets: ["whisper:nope"] }));
    expect({ status: target.status, code: target.body.error?.code }).toEqual({ status: API_ERRORS.unknown_target.status, code: "unknown_target" });
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

/** A gateway stand-in on a unix socket that answers every request with the error `code` names. */
async function errorServer(code: () => string) {
  const { serve } = await import("../../src/core/platform/index.ts");
  const socket = join(mkdtempSync(join(tmpdir(), "bosun-errs-")), "s.sock");
  const server = await serve({
    unix: socket,
    fetch: () => {
      const c = code();
      return Response.json({ error: { code: c, message: `said ${c}`, hint: null } }, { status: isApiErrorCode(c) ? API_ERRORS[c].status : 409 });
    },
  });
  return { client: new ControlClient(socket, "t"), stop: () => server.stop() };
}

describe("an error exits the same through the socket as in-process", () => {
  test("an unknown install target is a usage error (exit 2) both ways", async () => {
    const inProcess = await localApi(g, "cli").install({ targets: ["whisper:nope"] }).catch((e: unknown) => e);
    const viaSocket = await ControlClient.connect(g.paths).install({ targets: ["whisper:nope"] }).catch((e: unknown) => e);
    for (const e of [inProcess, viaSocket]) expect(e).toBeInstanceOf(BosunError);
    expect((inProcess as BosunError).exitCode).toBe(ExitCode.usage);
    expect({ code: (viaSocket as BosunError).code, exitCode: (viaSocket as BosunError).exitCode }).toEqual({ code: "unknown_target", exitCode: ExitCode.usage });
  });

  test("every code in the table comes back with the table's exit code: not_running 4, config_invalid 3, bad_request 2", async () => {
    let code = "";
    const fake = await errorServer(() => code);
    try {
      for (const c of Object.keys(API_ERRORS).filter(isApiErrorCode)) {
        code = c;
        const e = await fake.client.status().catch((x: unknown) => x);
        expect(e).toBeInstanceOf(BosunError);
        expect({ code: (e as BosunError).code, exitCode: (e as BosunError).exitCode }).toEqual({ code: c, exitCode: API_ERRORS[c].exitCode });
      }
      const seen = async (c: string) => {
        code = c;
        return ((await fake.client.status().catch((x: unknown) => x)) as BosunError).exitCode;
      };
      expect([await seen("not_running"), await seen("config_invalid"), await seen("invalid_custom_install"), await seen("bad_request")]).toEqual([4, 3, 3, 2]);
      // The default hint fills in when the server sent none.
      code = "not_running";
      expect(((await fake.client.status().catch((x: unknown) => x)) as BosunError).hint).toContain("bosun up");
    } finally {
      await fake.stop();
    }
  });

  test("a code this build does not know (a newer gateway's) keeps its words and exits 1", async () => {
    const fake = await errorServer(() => "from_the_future");
    try {
      const e = await fake.client.adapters().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BosunError);
      expect({ code: (e as BosunError).code, message: (e as BosunError).message, exitCode: (e as BosunError).exitCode }).toEqual({ code: "from_the_future", message: "said from_the_future", exitCode: ExitCode.failed });
    } finally {
      await fake.stop();
    }
  });

  test("the server answers a thrown code the table does not name as the generic `failed`, keeping its words; anything else is internal", () => {
    expect(toApiErrorBody(new BosunError("part_specific", "it broke", { hint: "do this" }))).toEqual({ status: 409, body: { error: { code: "failed", message: "it broke", hint: "do this" } } });
    expect(toApiErrorBody(new BosunError("unknown_target", "unknown install target \"x\""))).toMatchObject({ status: 404, body: { error: { code: "unknown_target", hint: "list them with `bosun catalog`" } } });
    expect(toApiErrorBody(new TypeError("boom"))).toEqual({ status: 500, body: { error: { code: "internal", message: "boom", hint: null } } });
  });
});
