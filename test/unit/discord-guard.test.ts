import { expect, test } from "bun:test";
import { frameProblem } from "../../src/core/adapters/discord/guard.ts";

test("gateway frames the library would crash on are refused; the documented ones pass", () => {
  for (const bad of ["not json", "[1,2]", "{}", '{"op":9}', '{"op":0,"t":"MESSAGE_CREATE","s":1,"d":null}', '{"op":10,"d":{}}', '{"op":"x"}', '{"op":0,"d":{},"s":1}', '{"op":99}']) expect(frameProblem(bad)).not.toBeNull();
  for (const good of ['{"op":10,"d":{"heartbeat_interval":41250}}', '{"op":11}', '{"op":1,"d":null}', '{"op":7,"d":null}', '{"op":9,"d":false}', '{"op":0,"t":"READY","s":1,"d":{"session_id":"x"}}']) expect(frameProblem(good)).toBeNull();
});

test("the guard is installed on this version of the library (an upgrade that renames the handler is reported)", async () => {
  const { guardShards } = await import("../../src/core/adapters/discord/guard.ts");
  const said: string[] = [];
  const off = guardShards((p) => said.push(p));
  off();
  expect(said).toEqual([]);
});
