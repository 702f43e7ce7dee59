import { test, expect } from "bun:test";
import { Ircd, RawIrcClient } from "/work/main/test/helpers/ircd.ts";
test("smoke", async () => {
  const d = await Ircd.start();
  const a = await RawIrcClient.connect(d.port, "alice");
  await a.join("#test");
  expect(d.connections()).toBe(1);
  console.log(a.log.lines.join("\n"));
  await a.close();
  await d.dispose();
});
