/**
 * Runs bosun's core under Deno: parse and validate a config, start the gateway with a webchat
 * adapter (Deno.serve through the platform seam), send one message over a real WebSocket and
 * print the echo agent's reply, then run a verified download through the JS write loop; prints one
 * JSON line. Used by test/unit/deno.test.ts and `npm run deno:check`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config/load.ts";
import { Gateway } from "../../src/core/gateway.ts";
import { runtimeName } from "../../src/core/platform/index.ts";
import { createHasher } from "../../src/core/installs/download/stream-hasher.ts";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { download } from "../../src/core/installs/download/index.ts";
import { webchatTurn } from "../helpers/webchat.ts";

const port = Number(process.argv[2] ?? 0) || 7499;
const text = `[agent]\nprovider = "echo"\n\n[adapters.web]\nkind = "webchat"\nlisten = "127.0.0.1:${port}"\n`;
const loaded = parseConfig(text, "smoke.toml", {});
const home = mkdtempSync(join(tmpdir(), "bosun-deno-"));
const gateway = new Gateway({ home, loaded, env: {}, version: "smoke", control: false });
await gateway.start();

const reply = await webchatTurn(port, "deno", "hello from deno", 5000);
const state = gateway.snapshot().adapters[0]?.state;
await gateway.stop();

// The install verifier's hashing thread (a module worker) works here too.
const hasher = createHasher("sha256", 64 << 20);
const ref = createHash("sha256");
for (let i = 0; i < 4; i++) {
  const chunk = new Uint8Array(1 << 20).fill(i);
  ref.update(chunk);
  hasher.update(chunk, true);
}
const workerHash = (await hasher.digest()) === ref.digest("hex");
hasher.dispose();

// A verified download with background writebacks (Deno has no native file writer: the JS loop).
const body = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 0xff);
const files = createServer((_req, res) => {
  res.writeHead(200, { "content-length": String(body.length) });
  res.end(body);
});
await new Promise<void>((r) => files.listen(0, "127.0.0.1", r));
const dest = join(home, "models", "whisper", "smoke.bin");
const got = await download({
  url: `http://127.0.0.1:${(files.address() as { port: number }).port}/smoke.bin`,
  dest,
  size: body.length,
  checksum: { algo: "sha256", hex: createHash("sha256").update(body).digest("hex") },
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 5_000,
  signal: new AbortController().signal,
  writebackBytes: 256 << 10,
});
await new Promise((r) => files.close(r));
const downloaded = { via: got.via, wroteBack: got.writebacks > 0, intact: Buffer.compare(readFileSync(dest), body) === 0 };
console.log(JSON.stringify({ runtime: runtimeName(), adapters: Object.keys(loaded.config.adapters), state, reply, workerHash, downloaded }));
